using System.Globalization;
using VisionR1.Grpo.Metrics;

namespace VisionR1.Trainer.Pipeline;

/// <summary>Forwards training steps to the pipeline's progress display.</summary>
public sealed class ProgressMetricsSink(IPipelineProgress progress, string stage) : IMetricsSink
{
    /// <inheritdoc />
    public void OnGrpoStep(GrpoStepMetrics m) => progress.Update(stage, m.Step, string.Create(CultureInfo.InvariantCulture,
        $"step {m.Step} {m.StageName} reward {m.RewardMean:F3} acc {m.Accuracy ?? 0:F3} len {m.CompletionLengthMean:F0} clip {m.ClippedRatio:F2} ({m.StepSeconds:F1}s)"));

    /// <inheritdoc />
    public void OnSftStep(SftStepMetrics m) => progress.Update(stage, m.Step, string.Create(CultureInfo.InvariantCulture,
        $"step {m.Step} loss {m.Loss:F3} ({m.StepSeconds:F2}s)"));

    /// <inheritdoc />
    public void OnEvent(TrainingEvent trainingEvent)
    {
        if (trainingEvent.Kind is "stage_switch" or "resume") progress.Info($"[{stage}] {trainingEvent.Message}");
    }
}
