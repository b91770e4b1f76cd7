namespace VisionR1.Grpo.Metrics;

/// <summary>
/// Receives what a trainer measures. Implement only what you need: every method has an empty default.
/// Sinks are called on the training thread, after each step.
/// </summary>
public interface IMetricsSink
{
    /// <summary>A GRPO step finished.</summary>
    void OnGrpoStep(GrpoStepMetrics metrics) { }

    /// <summary>An SFT step finished.</summary>
    void OnSftStep(SftStepMetrics metrics) { }

    /// <summary>Something other than a step happened.</summary>
    void OnEvent(TrainingEvent trainingEvent) { }
}
