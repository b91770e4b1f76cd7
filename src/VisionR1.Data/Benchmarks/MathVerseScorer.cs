using System.Text.RegularExpressions;
using VisionR1.Answers;
using VisionR1.Problems;

namespace VisionR1.Data.Benchmarks;

/// <summary>
/// MathVerse's rule-based "quick match": the extracted answer equals the gold answer as a string. Extraction is
/// the item's <c>extraction</c> or the <see cref="IAnswerExtractor"/> applied to the response; for multiple choice
/// both sides are reduced to the option letter (<c>(B)</c>, <c>B.</c>, <c>option B</c> → <c>B</c>); otherwise
/// surrounding whitespace, <c>$</c> and a trailing period are ignored.
/// </summary>
public sealed partial class MathVerseScorer(IAnswerExtractor? extractor = null)
{
    private readonly IAnswerExtractor _extractor = extractor ?? new RuleBasedAnswerExtractor();

    /// <summary>Extracts (when <paramref name="extraction"/> is null) and quick-matches one item; returns the compared extraction and the verdict.</summary>
    public async ValueTask<(string Extraction, bool Correct)> ScoreAsync(string question, string gold, string? response, string? extraction, IReadOnlyList<string>? choices, bool multipleChoice, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(gold);
        extraction ??= await _extractor.ExtractAsync(new ExtractionRequest(question, response ?? "", choices, AnswerTypeNames.Text, multipleChoice), cancellationToken).ConfigureAwait(false);
        return (extraction, QuickMatch(gold, extraction, multipleChoice));
    }

    /// <summary>The quick-match rule.</summary>
    public static bool QuickMatch(string gold, string extraction, bool multipleChoice)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(extraction);
        if (multipleChoice)
        {
            var g = Letter().Match(gold.Trim());
            var e = Letter().Match(extraction.Trim());
            if (g.Success && e.Success) return string.Equals(g.Groups[1].Value, e.Groups[1].Value, StringComparison.OrdinalIgnoreCase);
        }
        return string.Equals(Clean(gold), Clean(extraction), StringComparison.Ordinal);
    }

    private static string Clean(string s) => s.Replace("$", "", StringComparison.Ordinal).Trim().TrimEnd('.').Trim();

    [GeneratedRegex(@"^(?:option\s*)?\(?([A-Za-z])\)?(?:[.:)]|\s|$)", RegexOptions.IgnoreCase)]
    private static partial Regex Letter();
}
