using VisionR1.Answers;
using VisionR1.Answers.Math;

namespace VisionR1.Data.Benchmarks;

/// <summary>Options of the MM-Math judge.</summary>
/// <param name="Tolerance">Numbers match when within this tolerance, relative to max(1, |gt|) (MM-Math: 1e-2).</param>
/// <param name="PercentVariants">Also accept the prediction against gt/100 and gt×100 (MM-Math's percent handling).</param>
public sealed record MmMathOptions(double Tolerance = 1e-2, bool PercentVariants = true);

/// <summary>
/// The MM-Math rule judge: the final answers are the last <c>\boxed{}</c> of the response and of the gold (or the
/// gold as given); <c>a \pm b</c> expands to two answers; several answers (top-level commas or semicolons) match as
/// an unordered multiset; numbers match within a tolerance of gt, gt/100 or gt×100; other answers match after
/// normalisation (<see cref="LatexNormalizer.Compact"/>), or by the <see cref="IAnswerVerifier"/> when one is given.
/// </summary>
public sealed class MmMathScorer(MmMathOptions? options = null, IAnswerVerifier? verifier = null)
{
    private readonly MmMathOptions _options = options ?? new MmMathOptions();

    /// <summary>Whether <paramref name="response"/> answers as <paramref name="gold"/>.</summary>
    public bool IsCorrect(string gold, string response)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(response);
        var predicted = AnswerExtractor.LastClosedBox(response);
        if (predicted is null) return false;
        var goldAnswer = AnswerExtractor.LastClosedBox(gold) ?? gold;
        var g = Answers(goldAnswer);
        var p = Answers(predicted);
        if (g.Count != p.Count || g.Count == 0) return false;
        var used = new bool[p.Count];
        foreach (var ga in g)
        {
            int match = -1;
            for (int j = 0; j < p.Count && match < 0; j++)
                if (!used[j] && Same(ga, p[j])) match = j;
            if (match < 0) return false;
            used[match] = true;
        }
        return true;
    }

    /// <summary>Splits an answer into its parts: top-level commas/semicolons, then <c>\pm</c> expansion.</summary>
    public static List<string> Answers(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var parts = new List<string>();
        foreach (var part in SplitTopLevel(answer))
        {
            var t = part.Trim();
            if (t.Length == 0) continue;
            int pm = t.IndexOf("\\pm", StringComparison.Ordinal);
            if (pm < 0) pm = t.IndexOf('±');
            if (pm >= 0)
            {
                int len = t[pm] == '±' ? 1 : 3;
                var head = t[..pm];
                var tail = t[(pm + len)..];
                parts.Add(head + "+" + tail);
                parts.Add(head + "-" + tail);
            }
            else parts.Add(t);
        }
        return parts;
    }

    private static IEnumerable<string> SplitTopLevel(string s)
    {
        int depth = 0, start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}') depth--;
            else if (depth == 0 && (c == ';' || (c == ',' && !(i > 0 && i + 3 < s.Length && char.IsDigit(s[i - 1]) && char.IsDigit(s[i + 1]) && char.IsDigit(s[i + 2]) && char.IsDigit(s[i + 3]) && (i + 4 == s.Length || !char.IsDigit(s[i + 4]))))))
            {
                yield return s[start..i];
                start = i + 1;
            }
        }
        yield return s[start..];
    }

    private bool Same(string gold, string pred)
    {
        var gv = MathExpression.TryEvaluate(gold);
        var pv = MathExpression.TryEvaluate(pred);
        if (gv is { } g && pv is { } p)
        {
            foreach (var target in _options.PercentVariants ? new[] { g, g / 100, g * 100 } : [g])
                if (Math.Abs(p - target) <= _options.Tolerance * Math.Max(1, Math.Abs(target))) return true;
            return false;
        }
        if (string.Equals(LatexNormalizer.Compact(gold), LatexNormalizer.Compact(pred), StringComparison.OrdinalIgnoreCase)) return true;
        return verifier?.Verify(gold, pred).Equal == true;
    }
}
