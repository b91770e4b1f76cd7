using System.Globalization;
using System.Text.RegularExpressions;
using VisionR1.Answers.Math;
using VisionR1.Problems;

namespace VisionR1.Answers;

// The marker rules (AnswerExtractionMode.Marked) and MathVista's official rules (AnswerExtractionMode.MathVistaRules).
public static partial class AnswerExtractor
{
    /// <summary>
    /// The answer of <paramref name="request"/>'s response by the rules of <paramref name="mode"/> ("" when there is none;
    /// <see cref="AnswerExtractionMode.Marked"/> and <see cref="AnswerExtractionMode.MathVistaRules"/> fall back to the cleaned response).
    /// </summary>
    public static string Extract(ExtractionRequest request, AnswerExtractionMode mode)
    {
        ArgumentNullException.ThrowIfNull(request);
        return mode switch
        {
            AnswerExtractionMode.Default => Extract(request.Response),
            AnswerExtractionMode.Marked => MarkedAnswer(request.Response, out _),
            AnswerExtractionMode.MathVistaRules => MathVistaRules(request),
            AnswerExtractionMode.Boxed => LastClosedBox(request.Response) ?? "",
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown answer extraction mode."),
        };
    }

    /// <summary>The answer of a bare <paramref name="response"/> by the rules of <paramref name="mode"/> (no choices, answer type <see cref="AnswerTypeNames.Text"/>).</summary>
    public static string Extract(string? response, AnswerExtractionMode mode) => Extract(new ExtractionRequest("", response ?? ""), mode);

    private static string MathVistaRules(ExtractionRequest request)
    {
        var candidate = MarkedAnswer(request.Response, out bool marked);
        if (request.IsMultipleChoice)
        {
            // Without the option texts, any capital letter may be an option.
            IReadOnlyList<string> choices = request.Choices is { Count: > 0 } c ? c : LetterOptions;
            return ChoiceAnswer(candidate, marked ? null : request.Response, choices)
                ?? (request.Choices is { Count: > 0 } texts ? MentionedChoice(candidate, texts) : null)
                ?? candidate;
        }
        if (request.AnswerType is AnswerTypeNames.Integer or AnswerTypeNames.Float)
        {
            if (PythonNumbers.TryParseFloat(candidate, out _)) return candidate;
            if (!marked && LastBoldNumber(request.Response) is { } bold) return bold;
            if (!marked && CountStatement(candidate) is { } count) return count;
            if (LastNumberValue(candidate) is { } n) return n;
        }
        return candidate;
    }

    /// <summary>The number inside the last markdown-bold span that holds one (chat models bold their answer), or null.</summary>
    private static string? LastBoldNumber(string response)
    {
        var spans = BoldRegex().Matches(response);
        for (int i = spans.Count - 1; i >= 0; i--)
            if (LastNumberValue(spans[i].Groups[1].Value) is { } n) return n;
        return null;
    }

    /// <summary>"There are N …" (digits or a number word up to twenty) in an unmarked response: the count it states.</summary>
    private static string? CountStatement(string text)
    {
        var m = ThereAreRegex().Match(text);
        if (!m.Success) return null;
        var word = m.Groups[1].Value.ToLowerInvariant();
        int index = Array.IndexOf(NumberWords, word);
        return index >= 0 ? index.ToString(CultureInfo.InvariantCulture) : word.Replace(",", "", StringComparison.Ordinal);
    }

    private static readonly string[] NumberWords =
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"];

    /// <summary>For an unmarked response to a multiple-choice question: the option whose text is mentioned last, or a yes/no read from the first sentence.</summary>
    private static string? MentionedChoice(string response, IReadOnlyList<string> choices)
    {
        int bestIndex = -1, bestPos = -1, bestLength = 0;
        for (int i = 0; i < choices.Count; i++)
        {
            var c = choices[i].Trim();
            if (c.Length == 0) continue;
            var pattern = new Regex(@"(?<![\p{L}\p{N}])" + Regex.Escape(c) + @"(?![\p{L}\p{N}])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
            var matches = pattern.Matches(response);
            if (matches.Count == 0) continue;
            int pos = matches[^1].Index;
            if (pos > bestPos || (pos == bestPos && c.Length > bestLength)) { bestIndex = i; bestPos = pos; bestLength = c.Length; }
        }
        var yes = choices.FirstOrDefault(c => c.Trim().Equals("yes", StringComparison.OrdinalIgnoreCase));
        var no = choices.FirstOrDefault(c => c.Trim().Equals("no", StringComparison.OrdinalIgnoreCase));
        if (yes is not null && no is not null && choices.Count == 2)
        {
            var lead = LeadingYesNoRegex().Match(response);
            if (lead.Success) return lead.Groups[1].Value.Equals("yes", StringComparison.OrdinalIgnoreCase) ? yes : no;
            if (bestIndex >= 0) return choices[bestIndex];
            var first = MarkedSentenceEndRegex().Split(response.Trim(), 2)[0];
            return NegationRegex().IsMatch(first) ? no : yes;
        }
        return bestIndex >= 0 ? choices[bestIndex] : null;
    }

    private static readonly string[] LetterOptions = Enumerable.Range(0, 26).Select(i => ((char)('A' + i)).ToString()).ToArray();

    /// <summary>
    /// The answer by the marker rules of <see cref="AnswerExtractionMode.Marked"/>, and whether a marker was found (else the whole
    /// response, cleaned). The answer tag is <paramref name="format"/>'s (<see cref="ThinkAnswerFormat.Lenient"/>'s when null),
    /// found whatever its case.
    /// </summary>
    public static string MarkedAnswer(string response, out bool marked, ThinkAnswerFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        marked = true;
        var tags = format is null ? ThinkAnswerFormat.Lenient : format with { IgnoreTagCase = true };
        // The last answer span that closes, else an unclosed last one read to the end.
        if (tags.TryLastClosedAnswer(response, out var closed)) return CleanMarked(MarkedInner(closed));
        if (tags.TryAnswerContent(response, out var open)) return CleanMarked(MarkedInner(open));
        if (LastClosedBox(response) is { } boxed) return CleanMarked(boxed);
        var phrases = AnswerPhraseRegex().Matches(response);
        if (phrases.Count > 0) return CleanMarked(phrases[^1].Groups[1].Value);
        marked = false;
        return CleanMarked(response);
    }

    private static string MarkedInner(string s)
    {
        if (LastClosedBox(s) is { } b) return b;
        var m = FinalAnswerPrefixRegex().Match(s);
        return m.Success ? s[(m.Index + m.Length)..] : s;
    }

    /// <summary>
    /// The content of the last <c>\boxed{…}</c> whose braces close (else of the last closed <c>\fbox{…}</c>); null when none closes.
    /// Unlike <see cref="TryLastBoxed"/> it never joins neighbouring boxes nor reads an unclosed one.
    /// </summary>
    public static string? LastClosedBox(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        foreach (var marker in new[] { "\\boxed{", "\\fbox{" })
        {
            int start = s.LastIndexOf(marker, StringComparison.Ordinal);
            while (start >= 0)
            {
                int depth = 1, i = start + marker.Length;
                for (; i < s.Length && depth > 0; i++)
                {
                    if (s[i] == '{') depth++;
                    else if (s[i] == '}') depth--;
                }
                if (depth == 0) return s[(start + marker.Length)..(i - 1)];
                start = start == 0 ? -1 : s.LastIndexOf(marker, start - 1, StringComparison.Ordinal);
            }
        }
        return null;
    }

    private static string CleanMarked(string s)
    {
        s = s.Trim();
        s = TextWrapperRegex().Replace(s, "$1");
        s = s.Replace("$", "", StringComparison.Ordinal).Replace("**", "", StringComparison.Ordinal).Trim();
        s = s.TrimEnd('.', '。').Trim();
        if (s.Length >= 2 && s[0] == '"' && s[^1] == '"') s = s[1..^1];
        return s.Trim();
    }

    private static string? ChoiceAnswer(string candidate, string? wholeResponse, IReadOnlyList<string> choices)
    {
        var letter = LeadingLetterRegex().Match(candidate);
        if (letter.Success && LetterIndex(letter.Groups[1].Value, choices.Count) >= 0) return letter.Groups[1].Value.ToUpperInvariant();
        var option = OptionWordRegex().Match(candidate);
        if (option.Success && LetterIndex(option.Groups[1].Value, choices.Count) >= 0) return option.Groups[1].Value.ToUpperInvariant();
        foreach (var c in choices)
            if (string.Equals(c.Trim(), candidate, StringComparison.OrdinalIgnoreCase)) return c;
        if (wholeResponse is not null)
        {
            var options = OptionWordRegex().Matches(wholeResponse).Concat(ParenLetterRegex().Matches(wholeResponse)).OrderBy(m => m.Index).ToList();
            for (int i = options.Count - 1; i >= 0; i--)
                if (LetterIndex(options[i].Groups[1].Value, choices.Count) >= 0) return options[i].Groups[1].Value.ToUpperInvariant();
        }
        return null;
    }

    private static int LetterIndex(string letter, int count)
    {
        int i = char.ToUpperInvariant(letter[0]) - 'A';
        return i >= 0 && i < count ? i : -1;
    }

    /// <summary>The last number in <paramref name="s"/> (thousands separators removed, a simple fraction evaluated), or null.</summary>
    public static string? LastNumberValue(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var frac = FractionRegex().Matches(s);
        var nums = PlainNumberRegex().Matches(s);
        if (nums.Count == 0) return null;
        var last = nums[^1];
        if (frac.Count > 0 && frac[^1].Index + frac[^1].Length >= last.Index + last.Length)
        {
            var f = frac[^1];
            if (double.TryParse(f.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
                && double.TryParse(f.Groups[2].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var b) && b != 0)
                return PythonNumbers.Repr((f.Groups[0].Value.StartsWith('-') ? -a : a) / b);
        }
        return last.Value.Replace(",", "", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\bthere\s+(?:are|is|were|was)\s+(?:a total of\s+|only\s+|exactly\s+)?(\d[\d,]*(?:\.\d+)?|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ThereAreRegex();

    [GeneratedRegex(@"\*\*([^*\n]{1,80})\*\*")]
    private static partial Regex BoldRegex();

    [GeneratedRegex(@"^\W*(yes|no)\b", RegexOptions.IgnoreCase)]
    private static partial Regex LeadingYesNoRegex();

    [GeneratedRegex(@"(?<=[.!?])\s+")]
    private static partial Regex MarkedSentenceEndRegex();

    [GeneratedRegex(@"\b(?:not|no|never|cannot|n't|neither|nor)\b|n't\b", RegexOptions.IgnoreCase)]
    private static partial Regex NegationRegex();

    [GeneratedRegex(@"^\s*(?:\*\*)?final\s+answer\s*(?:\*\*)?\s*[:：]\s*", RegexOptions.IgnoreCase)]
    private static partial Regex FinalAnswerPrefixRegex();

    [GeneratedRegex(@"(?:final answer|the answer|answer)\s*(?:is|:|：)\s*[:]?\s*(.+?)(?:\.\s|\.?$|\n)", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex AnswerPhraseRegex();

    [GeneratedRegex(@"\\(?:text|mathrm|mathbf|textbf)\{([^{}]*)\}")]
    private static partial Regex TextWrapperRegex();

    [GeneratedRegex(@"^\(?([A-Za-z])\)?(?:[.:)\s]|$)")]
    private static partial Regex LeadingLetterRegex();

    [GeneratedRegex(@"\b(?i:option|choice|answer)\s*(?i:is\s*)?[:：]?\s*\(?([A-Z])\)?(?![A-Za-z])")]
    private static partial Regex OptionWordRegex();

    [GeneratedRegex(@"\(([A-Z])\)")]
    private static partial Regex ParenLetterRegex();

    [GeneratedRegex(@"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d*\.?\d+(?:[eE][-+]?\d+)?")]
    private static partial Regex PlainNumberRegex();

    [GeneratedRegex(@"-?\\[dt]?frac\{(\d+(?:\.\d+)?)\}\{(\d+(?:\.\d+)?)\}")]
    private static partial Regex FractionRegex();
}
