using VisionR1.Answers;

namespace VisionR1.Data.Filtering;

/// <summary>
/// Options of the cold-start CoT filter (Vision-R1 §3.1: keep samples whose final answer matches the ground truth,
/// remove logically inconsistent samples by rules, replace text-referring words for coherence). Every rule can be
/// switched off; thresholds are ours (the paper publishes no filtering code).
/// </summary>
/// <param name="RequireFormat">Require exactly the think/answer layout of <paramref name="Format"/> and nothing around it.</param>
/// <param name="RequireCorrectAnswer">Require the answer to be equivalent to the ground truth (the answer verifier).</param>
/// <param name="CheckConsistency">Require the thinking's conclusion to agree with the answer, and no contradicting final statements.</param>
/// <param name="RejectTruncated">Remove outputs cut off mid-way (an unclosed tag or brace, no closing answer).</param>
/// <param name="RejectRepetition">Remove degenerate repetition loops.</param>
/// <param name="RepeatedSentenceRun">A sentence repeated this many times in a row is a loop.</param>
/// <param name="TailPeriodRepeats">A tail made of one chunk (10–300 characters) repeated this many times is a loop.</param>
/// <param name="Replacements">Whole-word, case-preserving replacements applied to kept samples; null for <see cref="DefaultReplacements"/>, empty for none.</param>
/// <param name="Format">The layout and tag names checked; null for <see cref="ThinkAnswerFormat.Strict"/> (reasoning and answer both non-blank).</param>
public sealed record CotFilterOptions(
    bool RequireFormat = true,
    bool RequireCorrectAnswer = true,
    bool CheckConsistency = true,
    bool RejectTruncated = true,
    bool RejectRepetition = true,
    int RepeatedSentenceRun = 4,
    int TailPeriodRepeats = 4,
    IReadOnlyDictionary<string, string>? Replacements = null,
    ThinkAnswerFormat? Format = null)
{
    /// <summary>
    /// The default table: the released Vision-R1-cold data refers to "the image" where the reasoning model saw a
    /// description, so description-words become image-words (longest phrase first, so "image description" does not become "image image").
    /// </summary>
    public static IReadOnlyDictionary<string, string> DefaultReplacements { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["image description"] = "image",
        ["image descriptions"] = "images",
        ["description"] = "image",
        ["descriptions"] = "images",
    };
}
