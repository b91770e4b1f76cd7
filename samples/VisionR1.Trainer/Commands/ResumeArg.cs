using System.CommandLine;
using VisionR1.Grpo.Checkpoints;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>`--resume` (the newest checkpoint, which must verify) or `--resume latest-good` (the newest one that verifies).</summary>
internal sealed class ResumeArg : ICliOptionGroup
{
    private readonly Option<string?> _resume = ResumeOption();

    /// <inheritdoc />
    public IEnumerable<Symbol> Symbols => [_resume];

    private static Option<string?> ResumeOption()
    {
        var option = new Option<string?>("--resume")
        {
            Description = "Continue from the newest checkpoint; its files are verified first (SHA-256 against its manifest, step and data cursor " +
                "cross-checked) and a damaged one stops the run with a message naming the file. --resume latest-good: move damaged checkpoints " +
                "aside (step-N.damaged, never deleted) and continue from the newest one that verifies.",
            HelpName = "latest-good",
            Arity = ArgumentArity.ZeroOrOne,
        };
        option.Validators.Add(r =>
        {
            if (r.Tokens is [{ Value: var other }] && other is not ("latest" or "latest-good"))
                r.AddError($"--resume takes no value, 'latest' or 'latest-good', got '{other}'.");
        });
        return option;
    }

    /// <summary>The resume mode asked for, or null without --resume.</summary>
    public ResumeMode? Read(ParseResult parse) => parse.GetResult(_resume) switch
    {
        null => null,
        { Tokens: [{ Value: "latest-good" }] } => ResumeMode.LatestGood,
        _ => ResumeMode.Latest,
    };
}
