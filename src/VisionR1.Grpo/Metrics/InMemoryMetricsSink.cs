namespace VisionR1.Grpo.Metrics;

/// <summary>Keeps everything in lists (for notebooks, tests and plots). Not thread-safe.</summary>
public sealed class InMemoryMetricsSink : IMetricsSink
{
    /// <summary>GRPO steps in order.</summary>
    public List<GrpoStepMetrics> GrpoSteps { get; } = [];

    /// <summary>SFT steps in order.</summary>
    public List<SftStepMetrics> SftSteps { get; } = [];

    /// <summary>Events in order.</summary>
    public List<TrainingEvent> Events { get; } = [];

    /// <inheritdoc />
    public void OnGrpoStep(GrpoStepMetrics metrics) => GrpoSteps.Add(metrics);

    /// <inheritdoc />
    public void OnSftStep(SftStepMetrics metrics) => SftSteps.Add(metrics);

    /// <inheritdoc />
    public void OnEvent(TrainingEvent trainingEvent) => Events.Add(trainingEvent);
}
