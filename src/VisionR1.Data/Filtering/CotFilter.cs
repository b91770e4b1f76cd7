using System.Text.RegularExpressions;
using VisionR1.Answers;
using VisionR1.Problems;

namespace VisionR1.Data.Filtering;

/// <summary>
/// Rule-based filtering of cold-start CoT samples, with word replacement on the samples it keeps.
/// Rules in order: truncated, format, repetition loop, wrong answer (<see cref="IAnswerVerifier"/> against the
/// ground truth), logical inconsistency (the conclusion at the end of the thinking must agree with the answer;
/// the final statements must not contradict each other). Thread-safe.
/// </summary>
public sealed partial class CotFilter
{
    private readonly IAnswerVerifier _verifier;
    private readonly CotFilterOptions _options;
    private readonly WordReplacer _replacer;

    /// <summary>Creates the filter; <paramref name="verifier"/> judges answer equivalence.</summary>
    public CotFilter(IAnswerVerifier verifier, CotFilterOptions? options = null)
    {
        _verifier = verifier ?? throw new ArgumentNullException(nameof(verifier));
        _options = options ?? new CotFilterOptions();
        _replacer = new WordReplacer(_options.Replacements ?? CotFilterOptions.DefaultReplacements);
    }

    /// <summary>
    /// Checks one response to <paramref name="problem"/>: against its answer, with its choices and precision, so a
    /// multiple-choice answer given as the option letter or as the option's text is judged against the options.
    /// </summary>
    public FilterVerdict Check(string response, MathProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return Check(response, problem.Answer, AnswerContext.Of(problem));
    }

    /// <summary>Checks one response against its ground truth (with what is known of the question, when given).</summary>
    public FilterVerdict Check(string response, string groundTruth, AnswerContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(groundTruth);
        var layout = _options.Format ?? ThinkAnswerFormat.Strict;
        if (_options.RejectTruncated && TruncationReason(response, layout) is { } t) return Removed(FilterRule.Truncated, t, response);
        // The layout is ThinkAnswerFormat.Strict's by default: one non-blank reasoning then one non-blank answer, nothing else.
        bool formatted = layout.TryParse(response, out var thinkPart, out var answerPart);
        if (_options.RequireFormat && !formatted)
            return Removed(FilterRule.Format, $"not exactly {layout.LayoutText} with non-blank thinking and answer", response);
        string thinking = formatted ? thinkPart : response;
        string answer = formatted ? answerPart : AnswerExtractor.MarkedAnswer(response, out _, layout);
        if (_options.RejectRepetition && RepetitionReason(thinking) is { } r) return Removed(FilterRule.Repetition, r, response);
        var finalAnswer = StripFinalAnswer(answer);
        if (_options.RequireCorrectAnswer)
        {
            var v = _verifier.Verify(groundTruth, finalAnswer, context);
            if (!v.Equal) return Removed(FilterRule.WrongAnswer, $"answer '{Short(v.Extracted)}' is not '{Short(groundTruth)}'", response);
        }
        if (_options.CheckConsistency && InconsistencyReason(thinking, finalAnswer, context) is { } c) return Removed(FilterRule.Inconsistent, c, response);
        var replaced = _replacer.Replace(response, out int n);
        return new FilterVerdict(true, null, null, replaced, n);
    }

    private static FilterVerdict Removed(FilterRule rule, string reason, string response) => new(false, rule, reason, response, 0);

    /// <summary>
    /// Why the response looks cut off, or null: a tag of <paramref name="format"/> (<see cref="ThinkAnswerFormat.Default"/>'s
    /// names when null) opened more often than closed, a closed reasoning with no answer tag, or unbalanced braces in the last answer.
    /// Tags are matched exactly (case included).
    /// </summary>
    public static string? TruncationReason(string response, ThinkAnswerFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        var f = format ?? ThinkAnswerFormat.Default;
        var trimmed = response.TrimEnd();
        if (Count(response, f.ThinkOpen) > Count(response, f.ThinkClose)) return "the thinking never closes";
        if (Count(response, f.AnswerOpen) > Count(response, f.AnswerClose)) return "the answer never closes";
        if (trimmed.Contains(f.ThinkClose, StringComparison.Ordinal) && !trimmed.Contains(f.AnswerOpen, StringComparison.Ordinal)) return "nothing follows the thinking";
        int close = trimmed.LastIndexOf(f.AnswerClose, StringComparison.Ordinal);
        if (close >= 0)
        {
            int open = trimmed.LastIndexOf(f.AnswerOpen, close, StringComparison.Ordinal);
            if (open >= 0)
            {
                var inner = trimmed[(open + f.AnswerOpen.Length)..close];
                if (inner.Count(ch => ch == '{') != inner.Count(ch => ch == '}')) return "unbalanced braces in the answer";
            }
        }
        return null;
    }

    /// <summary>Why the thinking is a degenerate loop, or null: a sentence repeated many times in a row, or a tail that is one chunk over and over.</summary>
    public string? RepetitionReason(string thinking)
    {
        ArgumentNullException.ThrowIfNull(thinking);
        var sentences = SentenceSplit().Split(thinking).Select(s => Regex.Replace(s.Trim(), @"\s+", " ")).Where(s => s.Length >= 8).ToList();
        int run = 1;
        for (int i = 1; i < sentences.Count; i++)
        {
            run = string.Equals(sentences[i], sentences[i - 1], StringComparison.OrdinalIgnoreCase) ? run + 1 : 1;
            if (run >= _options.RepeatedSentenceRun) return $"'{Short(sentences[i])}' repeated {run} times in a row";
        }
        var tail = thinking.TrimEnd();
        for (int period = 10; period <= 300; period++)
        {
            int span = period * _options.TailPeriodRepeats;
            if (span > tail.Length) break;
            bool periodic = true;
            for (int k = tail.Length - span + period; k < tail.Length && periodic; k++)
                periodic = tail[k] == tail[k - period];
            if (periodic && !string.IsNullOrWhiteSpace(tail[^period..])) return $"the output ends in a loop of '{Short(tail[^period..])}' ({period} characters × {_options.TailPeriodRepeats}+)";
        }
        return null;
    }

    /// <summary>Why the thinking's conclusion disagrees with the answer or the final statements contradict each other, or null.</summary>
    public string? InconsistencyReason(string thinking, string finalAnswer, AnswerContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(thinking);
        ArgumentNullException.ThrowIfNull(finalAnswer);
        var paragraphs = thinking.Trim().Split(ParagraphBreak, StringSplitOptions.RemoveEmptyEntries);
        var last = paragraphs.Length == 0 ? "" : paragraphs[^1];
        if (last.Length > 600) last = last[^600..];
        var conclusions = Conclusions(last).ToList();
        foreach (var c in conclusions)
            if (!_verifier.Verify(c, finalAnswer, context).Equal && !_verifier.Verify(finalAnswer, c, context).Equal)
                return $"the thinking concludes '{Short(c)}' but the answer is '{Short(finalAnswer)}'";
        var answerConclusions = Conclusions(finalAnswer).ToList();
        for (int i = 1; i < answerConclusions.Count; i++)
            if (!_verifier.Verify(answerConclusions[0], answerConclusions[i], context).Equal)
                return $"the answer states both '{Short(answerConclusions[0])}' and '{Short(answerConclusions[i])}'";
        return null;
    }

    /// <summary>Explicit conclusions in a text: boxed values and "the answer is …" / "Final Answer: …" statements.</summary>
    private static IEnumerable<string> Conclusions(string text)
    {
        foreach (Match m in Boxed().Matches(text))
            if (AnswerExtractor.LastClosedBox(text[m.Index..]) is { } b && b.Trim().Length > 0) yield return b.Trim();
        foreach (Match m in AnswerStatement().Matches(text))
        {
            var value = m.Groups[1].Value.Trim().TrimEnd('.', ',', ';').Trim();
            if (value.Length is > 0 and <= 80 && !value.Contains("\\boxed", StringComparison.Ordinal)) yield return value;
        }
    }

    private static string StripFinalAnswer(string answer)
    {
        var a = answer.Trim();
        var m = FinalAnswerPrefix().Match(a);
        return m.Success ? a[m.Length..].Trim() : a;
    }

    private static int Count(string s, string token)
    {
        int n = 0;
        for (int i = s.IndexOf(token, StringComparison.Ordinal); i >= 0; i = s.IndexOf(token, i + token.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    private static string Short(string s) => s.Length <= 60 ? s : s[..57] + "...";

    private static readonly string[] ParagraphBreak = ["\n\n", "\r\n\r\n"];

    [GeneratedRegex(@"(?<=[.!?。])\s+|\n+")]
    private static partial Regex SentenceSplit();

    [GeneratedRegex(@"\\boxed\{")]
    private static partial Regex Boxed();

    [GeneratedRegex(@"(?:final answer|the answer|answer)\s*(?:is|:)\s*(?!\\boxed)([^\n]+?)(?=[.;,]\s|[.;,]?\s*$|\n)", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex AnswerStatement();

    [GeneratedRegex(@"^(?:\*\*)?final\s+answer(?:\*\*)?\s*[:：]\s*", RegexOptions.IgnoreCase)]
    private static partial Regex FinalAnswerPrefix();
}
