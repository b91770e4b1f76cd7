using System.Text.RegularExpressions;
using VisionR1.Answers.Math;

namespace VisionR1.Answers;

/// <summary>
/// Finds the final answer in a model response, by the priorities of answers.md: the
/// answer tag's content (<see cref="ThinkAnswerFormat.TryAnswerContent"/>); the last <c>\boxed{}</c>/<c>\fbox{}</c> (brace-matched); "Final Answer:" /
/// "the final answer is … I hope"; "the answer is" / "answer:"; the last LaTeX span
/// (<c>$…$</c>, <c>$$…$$</c>, <c>\(…\)</c>, <c>\[…\]</c>); a short bare answer as it is; the last number.
/// Inside the answer tag the same rules apply, so "Final Answer: 3" and "\boxed{3}" give "3".
/// Pure and thread-safe; linear in the length of the text it reads.
/// </summary>
public static partial class AnswerExtractor
{
    /// <summary>Extracts the final answer of <paramref name="response"/> ("" when there is none).</summary>
    /// <param name="response">A full model response or a bare answer.</param>
    /// <param name="answerTag">The answer tag name (without brackets).</param>
    /// <param name="maxLength">Only the last <paramref name="maxLength"/> characters of a longer response are read.</param>
    public static string Extract(string? response, string answerTag = ThinkAnswerFormat.DefaultAnswerTag, int maxLength = 200_000)
    {
        if (string.IsNullOrEmpty(response)) return "";
        var text = response.Length > maxLength ? response[^maxLength..] : response;
        if (TryTagContent(text, answerTag, out var inner)) return FromSegment(inner, bareFallback: true).Trim();
        return FromSegment(text, bareFallback: true).Trim();
    }

    /// <summary>
    /// The answer in a ground-truth string: the content of a <c>\boxed{}</c>, an answer tag or a
    /// "final answer" phrase when the gold is a worked solution, else the gold itself.
    /// </summary>
    public static string ExtractGold(string? gold, string answerTag = ThinkAnswerFormat.DefaultAnswerTag, int maxLength = 200_000)
    {
        if (string.IsNullOrEmpty(gold)) return "";
        var text = gold.Length > maxLength ? gold[^maxLength..] : gold;
        if (TryTagContent(text, answerTag, out var inner)) text = inner;
        // A gold holding several boxes ("\boxed{1} papers and \boxed{2} bins") answers with all of them.
        var boxes = LastBoxRun(text);
        if (boxes.Count > 1) return string.Join(", ", boxes);
        if (TryLastBoxed(text, out var boxed)) return boxed.Trim();
        if (TryFinalAnswer(text, out var fin)) return fin.Trim();
        if (TryAnswerIs(text, out var ans)) return ans.Trim();
        return text.Trim();
    }

    /// <summary>
    /// The content of the last <c>&lt;tag&gt;…&lt;/tag&gt;</c> (to the end when it is never closed), whatever the tag's
    /// case: <see cref="ThinkAnswerFormat.TryAnswerContent"/> of <see cref="ThinkAnswerFormat.Lenient"/>.
    /// </summary>
    public static bool TryTagContent(string text, string tag, out string content)
    {
        var format = tag == ThinkAnswerFormat.Lenient.AnswerTag ? ThinkAnswerFormat.Lenient : ThinkAnswerFormat.Lenient with { AnswerTag = tag };
        return format.TryAnswerContent(text, out content);
    }

    /// <summary>
    /// The text an answer is read from: the content of the last answer tag when there is one, else the
    /// response (its last <paramref name="maxLength"/> characters).
    /// </summary>
    public static string AnswerSegment(string? response, string answerTag = ThinkAnswerFormat.DefaultAnswerTag, int maxLength = 200_000)
    {
        if (string.IsNullOrEmpty(response)) return "";
        var text = response.Length > maxLength ? response[^maxLength..] : response;
        return TryTagContent(text, answerTag, out var inner) ? inner : text;
    }

    /// <summary>
    /// The boxes that answer together: the last <c>\boxed{}</c>/<c>\fbox{}</c> and those before it that are
    /// separated from the next one by a short phrase (at most three words, as in <c>\boxed{1} papers and \boxed{2}</c>
    /// or <c>\boxed{(3, 3)} \text{ for part (a) and } \boxed{(1, 1)}</c>), in order, repeats dropped, at most 16.
    /// </summary>
    public static IReadOnlyList<string> LastBoxRun(string text)
    {
        var found = new List<string>();
        if (string.IsNullOrEmpty(text)) return found;
        int before = text.Length, nextStart = -1;
        while (found.Count < 16 && TryBoxBefore(text, before, out int start, out var content))
        {
            if (nextStart >= 0)
            {
                int end = BoxEnd(text, start);
                if (end < 0 || end >= nextStart) break;
                var gap = text.AsSpan(end + 1, nextStart - end - 1);
                if (gap.Length > 80 || GapWordRegex().Count(gap) > 3) break;
            }
            var item = content.Trim();
            if (!found.Contains(item, StringComparer.Ordinal)) found.Insert(0, item);
            before = start;
            nextStart = start;
        }
        return found;
    }

    /// <summary>
    /// <paramref name="text"/> without inline maths whose delimiters sit on different lines (<c>$ \n 9 \n $</c>,
    /// <c>\( \n 9 \n \)</c>): malformed LaTeX, from which no answer is read.
    /// </summary>
    public static string WithoutBrokenInlineMath(string text) =>
        text.Contains('\n') ? BrokenInlineMathRegex().Replace(text, " ") : text;

    private static string FromSegment(string text, bool bareFallback)
    {
        // "12 cm$^2$": maths holding only an exponent belongs to the unit before it, not the answer.
        if (text.Contains("$^", StringComparison.Ordinal)) text = ExponentSpanRegex().Replace(text, "^$1");
        if (TryLastBoxed(text, out var boxed))
        {
            // "… \boxed{255} … Final Answer: The final answer is $10,455$": the later statement wins.
            int box = System.Math.Max(text.LastIndexOf("\\boxed", StringComparison.Ordinal), text.LastIndexOf("\\fbox", StringComparison.Ordinal));
            int final = box < 0 ? -1 : text.IndexOf("final answer", box, StringComparison.OrdinalIgnoreCase);
            if (final > box && TryFinalAnswer(text[final..], out var later)) return later;
            return boxed;
        }
        if (TryFinalAnswer(text, out var fin)) return fin;
        if (TryAnswerIs(text, out var ans)) return ans;
        if (TryLastLatexSpan(text, out var span)) return span;
        if (bareFallback && LooksBare(text))
        {
            // "The area is 12 square units.": a short sentence answers after its last " is ".
            var t = text.Trim();
            var m = IsPhraseRegex().Match(t);
            if (m.Success && m.Index > 0 && !ChoicePrefixRegex().IsMatch(t))
            {
                var after = StripSentenceEnd(t[(m.Index + m.Length)..]);
                if (after.Length > 0) return after;
            }
            return t;
        }
        if (TryLastNumber(WithoutBrokenInlineMath(text), out var num)) return num;
        return text.Trim();
    }

    /// <summary>
    /// The content of the last <c>\boxed{…}</c> or <c>\fbox{…}</c>, brace-matched. Boxes that directly
    /// precede it, separated only by "and", "or", commas or spacing (<c>\boxed{-2} and \boxed{1}</c>),
    /// are joined into one list.
    /// </summary>
    public static bool TryLastBoxed(string text, out string content)
    {
        content = "";
        if (!TryBoxBefore(text, text.Length, out int start, out var last)) return false;
        var parts = new List<string> { last };
        for (int n = 0; n < 8; n++)
        {
            int k = start;
            while (k > 0)
            {
                var m = SeparatorTailRegex().Match(text, 0, k);
                if (!m.Success || m.Length == 0) break;
                k = m.Index;
            }
            if (k == 0 || text[k - 1] != '}') break;
            if (!TryBoxBefore(text, k, out int s2, out var c2) || BoxEnd(text, s2) != k - 1) break;
            parts.Insert(0, c2);
            start = s2;
        }
        content = parts.Count == 1 ? last : string.Join(", ", parts);
        return true;
    }

    private static int BoxEnd(string text, int start)
    {
        int k = start + (text.AsSpan(start).StartsWith("\\boxed") ? 6 : 5);
        while (k < text.Length && text[k] == ' ') k++;
        return k < text.Length && text[k] == '{' ? LatexNormalizer.MatchBrace(text, k, text.Length) : -1;
    }

    private static bool TryBoxBefore(string text, int before, out int start, out string content)
    {
        content = "";
        start = -1;
        if (before <= 0) return false;
        foreach (var name in (ReadOnlySpan<string>)["\\boxed", "\\fbox"])
        {
            int i = text.LastIndexOf(name, before - 1, StringComparison.Ordinal);
            if (i > start) start = i;
        }
        if (start < 0) return false;
        int k = start + (text.AsSpan(start).StartsWith("\\boxed") ? 6 : 5);
        while (k < text.Length && text[k] == ' ') k++;
        if (k < text.Length && text[k] == '{')
        {
            int close = LatexNormalizer.MatchBrace(text, k, text.Length);
            content = close < 0 ? text[(k + 1)..] : text[(k + 1)..close];
            return true;
        }
        // \boxed 5: the next word.
        int e = k;
        while (e < text.Length && !char.IsWhiteSpace(text[e]) && text[e] != '$') e++;
        content = text[k..e];
        return content.Length > 0;
    }

    private static bool TryFinalAnswer(string text, out string answer)
    {
        answer = "";
        int i = text.LastIndexOf("final answer", StringComparison.OrdinalIgnoreCase);
        if (i < 0) return false;
        var rest = text[(i + "final answer".Length)..];
        rest = rest.TrimStart('*', ':', ' ', '\t', '#', '}');
        if (rest.StartsWith("is", StringComparison.OrdinalIgnoreCase) && (rest.Length == 2 || !char.IsLetter(rest[2]))) rest = rest[2..];
        rest = rest.TrimStart('*', ':', ' ', '\t', '\n', '\r', '}');
        int hope = rest.IndexOf("I hope", StringComparison.OrdinalIgnoreCase);
        if (hope >= 0) rest = rest[..hope];
        // The first non-empty line holds the answer (block maths \[ … \] may span lines).
        if (!rest.StartsWith("\\[", StringComparison.Ordinal) && !rest.StartsWith("$$", StringComparison.Ordinal))
        {
            int nl = rest.IndexOf('\n');
            if (nl >= 0) rest = rest[..nl];
        }
        rest = rest.Trim();
        if (rest.Length == 0) return false;
        if (TryFirstLatexSpan(rest, out var spanFirst)) { answer = spanFirst; return true; }
        // "The final answer is X", "The volume of $V$ is X": the part after the last " is ".
        var m = IsPhraseRegex().Match(rest);
        if (m.Success && !rest.StartsWith('$') && !rest.StartsWith('\\')) rest = rest[(m.Index + m.Length)..];
        if (TryLastBoxed(rest, out var boxed)) { answer = boxed; return true; }
        answer = StripSentenceEnd(rest);
        // A sentence ("Jane started growing Sphere 3 hours ago"): its last maths span or number.
        if (!LooksBare(answer))
        {
            if (TryLastLatexSpan(answer, out var span)) answer = span;
            else if (TryLastNumber(answer, out var number)) answer = number;
        }
        return answer.Length > 0;
    }

    private static bool TryAnswerIs(string text, out string answer)
    {
        answer = "";
        var m = AnswerIsRegex().Match(text);
        if (!m.Success) return false;
        var rest = text[(m.Index + m.Length)..].TrimStart(':', ' ', '\t', '*', '}');
        int nl = rest.IndexOf('\n');
        if (nl >= 0 && !rest.StartsWith("\\[", StringComparison.Ordinal) && !rest.StartsWith("$$", StringComparison.Ordinal)) rest = rest[..nl];
        if (TryFirstLatexSpan(rest, out var first)) { answer = first; return true; }
        // Up to the end of the sentence, and before a justification ("C because ...").
        var sentence = SentenceEndRegex().Match(rest);
        if (sentence.Success) rest = rest[..sentence.Index];
        var reason = JustificationRegex().Match(rest);
        if (reason.Success && reason.Index > 0) rest = rest[..reason.Index];
        answer = StripSentenceEnd(rest.Trim());
        return answer.Length > 0;
    }

    private static string StripSentenceEnd(string s)
    {
        s = s.Trim();
        while (s.Length > 0 && s[^1] is '.' or ',' or ';' or '!' or '*' or '"' or '\'')
        {
            s = s[..^1].TrimEnd();
        }
        return s.Trim('"', '\'', ' ');
    }

    private static bool TryFirstLatexSpan(string text, out string content)
    {
        content = "";
        var t = text.TrimStart();
        foreach (var (open, close) in Delimiters)
        {
            if (!t.StartsWith(open, StringComparison.Ordinal)) continue;
            int end = t.IndexOf(close, open.Length, StringComparison.Ordinal);
            if (end < 0) continue;
            content = t[open.Length..end];
            return content.Trim().Length > 0;
        }
        return false;
    }

    private static readonly (string Open, string Close)[] Delimiters = [("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$")];

    /// <summary>The content of the last LaTeX math span; inline spans may not cross a line.</summary>
    public static bool TryLastLatexSpan(string text, out string content)
    {
        content = "";
        int bestEnd = -1;
        foreach (var (open, close) in Delimiters)
        {
            int end = LastUnescaped(text, close, text.Length);
            while (end > 0)
            {
                int start = open == "$" ? LastSingleDollar(text, end) : LastUnescaped(text, open, end);
                if (start < 0) break;
                if (open == "$" && (text.AsSpan(start, end - start).Contains('\n') || (start > 0 && text[start - 1] == '$'))) break;
                if (open == "\\(" && text.AsSpan(start, end - start).Contains('\n')) break;
                if (end > bestEnd)
                {
                    var c = text[(start + open.Length)..end];
                    if (c.Trim().Length > 0)
                    {
                        bestEnd = end;
                        content = c;
                    }
                }
                break;
            }
        }
        return bestEnd >= 0;
    }

    private static int LastSingleDollar(string text, int before)
    {
        for (int i = before - 1; i >= 0; i--)
        {
            if (text[i] != '$' || (i > 0 && text[i - 1] == '\\')) continue;
            return i;
        }
        return -1;
    }

    private static int LastUnescaped(string text, string token, int before)
    {
        int from = before - 1;
        while (from >= 0 && from >= token.Length - 1)
        {
            int i = text.LastIndexOf(token, from, StringComparison.Ordinal);
            if (i < 0) return -1;
            if (token == "$" || token == "$$")
            {
                if (i > 0 && text[i - 1] == '\\') { from = i - 1; continue; }
                if (token == "$" && ((i > 0 && text[i - 1] == '$') || (i + 1 < text.Length && text[i + 1] == '$'))) { from = i - 1; continue; }
            }
            return i;
        }
        return -1;
    }

    private static bool LooksBare(string text)
    {
        var t = text.Trim();
        if (t.Length == 0 || t.Length > 120) return false;
        if (ChoicePrefixRegex().IsMatch(t)) return true;
        if (t.Contains(". ", StringComparison.Ordinal) || t.Contains('\n')) return false;
        int words = 0;
        foreach (Match m in WordRegex().Matches(t)) if (!UnitWords.Words.Contains(m.Value)) words++;
        return words <= 2;
    }

    private static bool TryLastNumber(string text, out string number)
    {
        number = "";
        var matches = NumberRegex().Matches(text);
        if (matches.Count == 0)
        {
            // "There are two solutions.": a number written as a word.
            var word = NumberWordRegex().Match(text);
            if (!word.Success) return false;
            number = word.Value;
            return true;
        }
        number = matches[^1].Value.TrimEnd('.');
        return true;
    }

    [GeneratedRegex(@"(?:\s|,|;|\$|\\quad|\\qquad|\\[\[\]()]|\\text\{\s*(?:and|or)\s*\}|\band\b|\bor\b)+$", RegexOptions.RightToLeft)]
    private static partial Regex SeparatorTailRegex();

    [GeneratedRegex(@"^\(?[A-J]\)?[.:)]?\s+\S[^\n]{0,60}$")]
    private static partial Regex ChoicePrefixRegex();

    [GeneratedRegex(@"\bis\s+", RegexOptions.IgnoreCase | RegexOptions.RightToLeft)]
    private static partial Regex IsPhraseRegex();

    [GeneratedRegex(@"(?:the\s+(?:correct\s+|right\s+|best\s+|final\s+)?(?:answer|option|choice)\s+(?:is|would be|should be)|answer\s*:|answer\s+is|答案(?:是|为)?[:：]?)", RegexOptions.IgnoreCase | RegexOptions.RightToLeft)]
    private static partial Regex AnswerIsRegex();

    [GeneratedRegex(@"\.(?:\s|$)")]
    private static partial Regex SentenceEndRegex();

    [GeneratedRegex(@",?\s+(?:because|since|which|due to|given that|as shown|as it|as the)\b", RegexOptions.IgnoreCase)]
    private static partial Regex JustificationRegex();

    [GeneratedRegex(@"(?<![\\A-Za-z{])[A-Za-z]{3,}")]
    private static partial Regex WordRegex();

    [GeneratedRegex(@"\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|hundred)\b", RegexOptions.IgnoreCase | RegexOptions.RightToLeft)]
    private static partial Regex NumberWordRegex();

    [GeneratedRegex(@"(?<![\\A-Za-z])[A-Za-z]{2,}")]
    private static partial Regex GapWordRegex();

    [GeneratedRegex(@"(?<=[A-Za-z}])\s?\$\^\s*(\{?\s*-?\d\s*\}?|\{?\\circ\}?)\s*\$")]
    private static partial Regex ExponentSpanRegex();

    [GeneratedRegex(@"(?:\$[ \t]*\r?\n[^$]{0,400}\$)|(?:\\\([^\n]{0,400}\n[\s\S]{0,400}?\\\))")]
    private static partial Regex BrokenInlineMathRegex();

    [GeneratedRegex(@"[-\u2212]?\d(?:[\d,]*\d)?(?:\.\d+)?(?:\s*/\s*\d+)?%?")]
    private static partial Regex NumberRegex();
}
