using VisionR1.Grpo.Checkpoints;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>`--resume` (the newest checkpoint, which must verify) or `--resume latest-good` (the newest one that verifies).</summary>
internal static class ResumeArg
{
    /// <summary>The usage lines.</summary>
    public const string Usage =
        "  --resume: continue from the newest checkpoint; its files are verified first (SHA-256 against its manifest, step and data\n" +
        "    cursor cross-checked) and a damaged one stops the run with a message naming the file. --resume latest-good: move\n" +
        "    damaged checkpoints aside (step-N.damaged, never deleted) and continue from the newest one that verifies.\n";

    /// <summary>The resume mode asked for, or null without --resume.</summary>
    public static ResumeMode? Read(CliArgs args)
    {
        if (args.Flag("resume")) return ResumeMode.Latest;
        return args.Get("resume") switch
        {
            null => null,
            "latest" => ResumeMode.Latest,
            "latest-good" => ResumeMode.LatestGood,
            var other => throw new CliUsageException($"--resume takes no value, 'latest' or 'latest-good', got '{other}'."),
        };
    }
}
