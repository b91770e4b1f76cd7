using System.Globalization;
using VisionR1.Grpo.Metrics;
using VisionR1.Recipe;

namespace VisionR1.Recipe;

/// <summary>Forwards a trainer's steps and notable events (stage switches, resumes) to the recipe's progress callback.</summary>
/// <param name="progress">The callback.</param>
/// <param name="stage">The recipe stage the trainer runs in.</param>
public sealed class RecipeMetricsSink(IRecipeProgress progress, string stage) : IMetricsSink
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
        ArgumentNullException.ThrowIfNull(trainingEvent);
        if (trainingEvent.Kind is TrainingEventKind.StageSwitch or TrainingEventKind.Resume) progress.Info($"[{stage}] {trainingEvent.Message}");
    }
}
