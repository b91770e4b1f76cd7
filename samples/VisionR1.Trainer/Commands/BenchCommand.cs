using VisionR1.Diagnostics;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>`vr1 bench`: the whole-step performance report (one JSON object on stdout, progress on stderr).</summary>
public sealed class BenchCommand : ICliCommand, IHasSwitches
{
    /// <inheritdoc />
    public string Name => "bench";

    /// <inheritdoc />
    public string Summary => "Measure matmul peaks, training-step MFU, decoding, a GRPO step and the verifier; print one JSON object.";

    /// <inheritdoc />
    public string Usage => "vr1 bench [--quick] [--threads N] [--device cpu|cuda[:N]] [--seed N] [--dtype auto|fp32|bf16] [--contention-only NAME]\n" +
        "  The full report ends with the thread-wait comparison: training steps alone and next to one busy process per core\n" +
        "  started mid-run, for vr1's own choice and fixed settings, each in a child process (--contention-only runs one).";

    /// <inheritdoc />
    public IReadOnlyList<string> Switches => ["quick"];

    /// <inheritdoc />
    public Task<int> RunAsync(CliArgs args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var options = new BenchOptions(
            Quick: args.Flag("quick"),
            Threads: args.GetInt("threads", 0),
            Device: args.Get("device") ?? "cpu",
            Seed: args.GetInt("seed", 1),
            Precision: PrecisionOption.Read(args));
        var contentionOnly = args.Get("contention-only");
        args.ThrowOnUnknown();
        if (options.Threads < 0) throw new CliUsageException("--threads must be 0 (libtorch's default) or positive.");
        PerformanceBench.WriteReport(options, contentionOnly, stdout, stderr, cancellationToken);
        return Task.FromResult(0);
    }
}
