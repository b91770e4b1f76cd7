using System.CommandLine;
using VisionR1.Trainer.Cli;
using VisionR1.Trainer.Reporting;

namespace VisionR1.Trainer.Commands;

/// <summary>
/// `vr1 plot --metrics metrics.jsonl [--out DIR]`: draws the training curves of a run's metrics (GRPO reward, accuracy,
/// completion length and clipped share with the PTST stage switches marked; SFT loss), each as a moving average over the
/// raw points, and the evaluation table of a summary.json beside the metrics as a bar chart, as the pipeline does at the
/// end of a run.
/// </summary>
public sealed class PlotCommand : ICliCommand
{
    private readonly Option<string> _metrics = Opt.Required("--metrics", "The metrics.jsonl of vr1 sft, grpo or pipeline.", "FILE");
    private readonly Option<string?> _out = Opt.Text("--out", "Where the PNG files go [default: plots/ beside the metrics file].", "DIR");

    /// <inheritdoc />
    public string Name => "plot";

    /// <inheritdoc />
    public string Summary => "Draw the training curves of a metrics.jsonl (vr1 sft, grpo or pipeline), and a run's evaluation, as PNG files.";

    /// <inheritdoc />
    public string Details =>
        "Each curve is a moving average (EMA 0.9, restarted at each PTST stage switch) over the faint raw points. A summary.json " +
        "beside the metrics (a pipeline run's folder) adds evaluation.png: each model's accuracy with its 95% interval.";

    /// <inheritdoc />
    public Task<int> RunAsync(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var metrics = parse.GetValue(_metrics)!;
        var output = parse.GetValue(_out) ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(metrics))!, "plots");
        if (!File.Exists(metrics)) throw new CliUsageException($"{metrics}: no such file.");
        var written = MetricsPlots.DrawStandard(metrics, output);
        foreach (var file in written) stdout.WriteLine(file);
        if (written.Count == 0) stderr.WriteLine($"vr1 plot: {metrics} holds no step metrics to draw.");
        return Task.FromResult(written.Count == 0 ? 1 : 0);
    }
}
