using System.Globalization;

namespace VisionR1.Grpo.Metrics;

/// <summary>One human-readable line per step and per event on a text writer (the console by default).</summary>
public sealed class ConsoleProgressSink(TextWriter? writer = null, long? totalSteps = null) : IMetricsSink
{
    private readonly TextWriter _w = writer ?? Console.Out;

    /// <inheritdoc />
    public void OnGrpoStep(GrpoStepMetrics m) => _w.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"grpo step {m.Step}{Of()} stage {m.Stage}{(m.StageName is null ? "" : $" ({m.StageName})")} {m.MaxCompletionLength}x{m.GroupSize} | " +
        $"reward {m.RewardMean:F3}±{m.RewardStd:F3}{(m.Accuracy is { } a ? $" acc {a:F3}" : "")}{(m.FormatRate is { } f ? $" fmt {f:F3}" : "")} | " +
        $"len {m.CompletionLengthMean:F1}/{m.CompletionLengthMax} clipped {m.ClippedRatio:P1} | kl {m.Kl:F4} clip {m.ClipFraction:P1} zero-std {m.FracRewardZeroStd:P0} | " +
        $"lr {m.LearningRate:E2} gnorm {m.GradNorm:F3} | {m.StepSeconds:F2}s (gen {m.GenerationSeconds:F2}s, train {m.TrainingSeconds:F2}s) {m.TokensPerSecond:F0} tok/s"));

    /// <inheritdoc />
    public void OnSftStep(SftStepMetrics m) => _w.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"sft step {m.Step}{Of()} epoch {m.Epoch} | loss {m.Loss:F4} over {m.Tokens:F0} tokens | lr {m.LearningRate:E2} gnorm {m.GradNorm:F3} | {m.StepSeconds:F2}s {m.TokensPerSecond:F0} tok/s"));

    /// <inheritdoc />
    public void OnEvent(TrainingEvent e) => _w.WriteLine($"[{e.Kind}] after step {e.Step}: {e.Message}");

    private string Of() => totalSteps is { } t ? "/" + t.ToString(CultureInfo.InvariantCulture) : "";
}
