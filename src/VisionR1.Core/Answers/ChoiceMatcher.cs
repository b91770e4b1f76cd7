using System.Text.RegularExpressions;
using VisionR1.Answers.Math;

namespace VisionR1.Answers;

/// <summary>
/// Multiple-choice answers: reads an option letter from "B", "(B)", "B.", "B)", "option B", "choice (B)",
/// "\text{(B)}" or "(B) 12" (answers.md, "Normalisation").
/// </summary>
internal static partial class ChoiceMatcher
{
    /// <summary>The letter a ground truth consists of ("C", "(C)", "C."), or null.</summary>
    public static char? GoldLetter(string gold, int choiceCount)
    {
        var s = Clean(gold);
        var m = BareLetterRegex().Match(s);
        return m.Success && InRange(m.Groups[1].Value[0], choiceCount) ? m.Groups[1].Value[0] : null;
    }

    /// <summary>The option letter a prediction names, or null.</summary>
    public static char? PredictionLetter(string prediction, int choiceCount)
    {
        var s = Clean(prediction);
        foreach (var regex in (ReadOnlySpan<Regex>)[BareLetterRegex(), OptionWordRegex(), LeadingLetterRegex()])
        {
            var m = regex.Match(s);
            if (m.Success)
            {
                var g = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
                char c = char.ToUpperInvariant(g[0]);
                if (InRange(c, choiceCount)) return c;
            }
        }
        return null;
    }

    /// <summary>
    /// The one option letter a short sentence names ("Because B is valid", "I choose (C) here"): a capital A–J
    /// standing alone; "A" and "I" followed by a lower-case word are read as words. Null when the sentence
    /// names no letter or more than one.
    /// </summary>
    public static char? SentenceLetter(string text, int choiceCount)
    {
        if (text.Length == 0 || text.Length > 300) return null;
        char? found = null;
        foreach (Match m in StandaloneLetterRegex().Matches(text))
        {
            char c = m.Groups[1].Value[0];
            if (!InRange(c, choiceCount)) continue;
            int after = m.Index + m.Length;
            if (c is 'A' or 'I' && m.Value.Length == 1 && after + 1 < text.Length && text[after] == ' ' && char.IsLower(text[after + 1])) continue;
            if (found is char f && f != c) return null;
            found = c;
        }
        return found;
    }

    private static bool InRange(char c, int choiceCount) => c >= 'A' && c < 'A' + (choiceCount > 0 ? choiceCount : 10);

    private static string Clean(string s)
    {
        if (s.Length > 400) return "";
        var budget = new ComputeBudget(10_000);
        return LatexNormalizer.Normalize(s, budget).Trim().Trim('*', ' ');
    }

    [GeneratedRegex(@"(?<![A-Za-z0-9\\_^{])\(?([A-J])\)?(?![A-Za-z0-9_'{^])")]
    private static partial Regex StandaloneLetterRegex();

    [GeneratedRegex(@"^\(?\s*([A-J])\s*\)?\s*[.:]?$")]
    private static partial Regex BareLetterRegex();

    [GeneratedRegex(@"^(?:the\s+)?(?:option|choice|answer)\s*(?:is\s*)?:?\s*\(?([A-Ja-j])\)?(?:[.:)\s]|$)", RegexOptions.IgnoreCase)]
    private static partial Regex OptionWordRegex();

    [GeneratedRegex(@"^(?:\(([A-J])\)|([A-J])[.):])\s*\S")]
    private static partial Regex LeadingLetterRegex();
}
