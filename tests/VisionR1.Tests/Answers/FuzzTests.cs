using System.Diagnostics;
using System.Text;
using VisionR1.Answers;

namespace VisionR1.Tests.Answers;

/// <summary>
/// Random strings and LaTeX-like token soups (20,000 comparisons, fixed seed): no exception, no
/// comparison past its budget in time, and every verdict reproducible.
/// </summary>
public sealed class FuzzTests
{
    private static readonly string[] Tokens =
    [
        "\\frac", "\\sqrt", "{", "}", "(", ")", "[", "]", "\\{", "\\}", "^", "_", "+", "-", "*", "/", "=", "<", "\\le", "\\pm",
        "\\cdot", "\\times", "x", "y", "n", "\\pi", "e", "1", "2", "10", "0.5", "3.14", "\\infty", ",", "\\cup", "|", "!", "%",
        "\\boxed{", "\\text{", "cm", "and", "\\sin", "\\log", "_2", "\\begin{pmatrix}", "\\end{pmatrix}", "&", "\\\\", "$", "\\left(",
        "\\right)", "9^{9^{9}}", "<answer>", "</answer>", "Final Answer:", "the answer is", "(B)", " ", " ",
    ];

    private static string RandomText(Random rng)
    {
        int len = rng.Next(0, 40);
        var sb = new StringBuilder(len);
        for (int i = 0; i < len; i++)
        {
            sb.Append(rng.Next(4) switch
            {
                0 => (char)rng.Next(32, 127),
                1 => (char)rng.Next(0x80, 0x2400),
                2 => "0123456789+-*/^(){}[]\\$,."[rng.Next(25)],
                _ => (char)rng.Next(0, 0xFFFF),
            });
        }
        return sb.ToString();
    }

    private static string TokenSoup(Random rng)
    {
        int len = rng.Next(1, 30);
        var sb = new StringBuilder();
        for (int i = 0; i < len; i++) sb.Append(Tokens[rng.Next(Tokens.Length)]);
        return sb.ToString();
    }

    [Fact]
    public void Twenty_thousand_random_comparisons_never_throw_nor_overrun()
    {
        var verifier = new MathVerifier();
        var rng = new Random(20_250_306);
        var times = new double[20_000];
        var pairs = new (string Gold, string Pred)[times.Length];
        for (int i = 0; i < times.Length; i++)
        {
            string gold = i % 2 == 0 ? RandomText(rng) : TokenSoup(rng);
            string pred = i % 3 == 0 ? RandomText(rng) : TokenSoup(rng);
            pairs[i] = (gold, pred);
            long t0 = Stopwatch.GetTimestamp();
            var r = verifier.Verify(gold, pred);
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            Assert.NotNull(r.Extracted);
            Assert.DoesNotContain("internal", r.Reason ?? "", StringComparison.Ordinal);
        }
        // A wall-clock time also counts the moments another process held the core. The slowest 2% are timed
        // twice more and keep their fastest time: a pair that is really slow stays slow, a preempted one does not.
        var order = Enumerable.Range(0, times.Length).OrderByDescending(i => times[i]).Take(times.Length / 50).ToList();
        foreach (int i in order)
        {
            for (int k = 0; k < 2; k++)
            {
                long t0 = Stopwatch.GetTimestamp();
                verifier.Verify(pairs[i].Gold, pairs[i].Pred);
                times[i] = System.Math.Min(times[i], Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        }
        int slowestIndex = Enumerable.Range(0, times.Length).MaxBy(i => times[i]);
        double slowestMs = times[slowestIndex];
        var slowest = $"[{pairs[slowestIndex].Gold}] vs [{pairs[slowestIndex].Pred}]";
        Array.Sort(times);
        double p99 = times[(int)(times.Length * 0.99)];
        // Generous bounds for a shared CI core; the step budget (not a timer) is what bounds the work.
        Assert.True(p99 < 20, $"p99 {p99:F2} ms");
        Assert.True(slowestMs < 1_000, $"slowest {slowestMs:F1} ms: {slowest}");
    }

    [Fact]
    public void Verdicts_are_deterministic()
    {
        var verifier = new MathVerifier();
        var rng = new Random(7);
        for (int i = 0; i < 500; i++)
        {
            string gold = TokenSoup(rng), pred = TokenSoup(rng);
            Assert.Equal(verifier.Verify(gold, pred), verifier.Verify(gold, pred));
        }
    }
}
