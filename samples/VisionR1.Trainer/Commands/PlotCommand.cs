using VisionR1.Trainer.Cli;
using VisionR1.Trainer.Reporting;

namespace VisionR1.Trainer.Commands;

/// <summary>
/// `vr1 plot --metrics metrics.jsonl [--out DIR]`: draws the training curves of a run's metrics (GRPO reward, accuracy,
/// completion length and clipped share with the PTST stage switches marked; SFT loss) as PNG files, as the pipeline does
/// at the end of a run.
/// </summary>
public sealed class PlotCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "plot";

    /// <inheritdoc />
    public string Summary => "Draw the training curves of a metrics.jsonl (vr1 sft, grpo or pipeline) as PNG files.";

    /// <inheritdoc />
    public string Usage => "vr1 plot --metrics metrics.jsonl [--out DIR]   (DIR defaults to plots/ beside the metrics file)";

    /// <inheritdoc />
    public Task<int> RunAsync(CliArgs args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var metrics = args.Get("metrics") ?? throw new CliUsageException("--metrics is required.");
        var output = args.Get("out") ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(metrics))!, "plots");
        args.ThrowOnUnknown();
        if (!File.Exists(metrics)) throw new CliUsageException($"{metrics}: no such file.");
        var written = MetricsPlots.DrawStandard(metrics, output);
        foreach (var file in written) stdout.WriteLine(file);
        if (written.Count == 0) stderr.WriteLine($"vr1 plot: {metrics} holds no step metrics to draw.");
        return Task.FromResult(written.Count == 0 ? 1 : 0);
    }
}
