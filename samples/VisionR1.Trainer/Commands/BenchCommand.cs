using System.CommandLine;
using VisionR1.Diagnostics;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>`vr1 bench`: the whole-step performance report (one JSON object on stdout, progress on stderr).</summary>
public sealed class BenchCommand : ICliCommand
{
    private readonly Option<bool> _quick = Opt.Switch("--quick", "Smaller sizes and fewer repetitions (a smoke run).");
    private readonly Option<int> _threads = CommonOptions.Threads();
    private readonly Option<string> _device = CommonOptions.Device();
    private readonly Option<int> _seed = Opt.Int("--seed", 1, "Seed of the random weights and inputs.");
    private readonly PrecisionOption _precision = new();
    private readonly Option<string?> _contentionOnly = Opt.Text("--contention-only", "Run one setting of the thread-wait comparison (in a child process).", "NAME");

    /// <inheritdoc />
    public string Name => "bench";

    /// <inheritdoc />
    public string Summary => "Measure matmul peaks, training-step MFU, decoding, a GRPO step and the verifier; print one JSON object.";

    /// <inheritdoc />
    public string Details =>
        "The full report ends with the thread-wait comparison: training steps alone and next to one busy process per core " +
        "started mid-run, for vr1's own choice and fixed settings, each in a child process (--contention-only runs one).";

    /// <inheritdoc />
    public Task<int> RunAsync(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var options = new BenchOptions(
            Quick: parse.GetValue(_quick),
            Threads: parse.GetValue(_threads),
            Device: parse.GetValue(_device)!,
            Seed: parse.GetValue(_seed),
            Precision: _precision.Read(parse));
        var contentionOnly = parse.GetValue(_contentionOnly);
        if (options.Threads < 0) throw new CliUsageException("--threads must be 0 (libtorch's default) or positive.");
        PerformanceBench.WriteReport(options, contentionOnly, stdout, stderr, cancellationToken);
        return Task.FromResult(0);
    }
}
