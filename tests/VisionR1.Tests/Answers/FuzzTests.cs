using System.Text;
using VisionR1.Answers;

namespace VisionR1.Tests.Answers;

/// <summary>
/// Random strings and LaTeX-like token soups (20,000 comparisons, fixed seed): no exception, no internal
/// failure, a comparison past its step budget never called equal, and every verdict reproducible.
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
    public void Twenty_thousand_random_comparisons_never_throw_nor_fail_internally()
    {
        // No wall-clock bounds here: a p99 under 20 ms failed at 20.5 ms on the 2-core machine under a load of 40, so its
        // verdict depended on the machine. What bounds the work is the deterministic step budget (a comparison past it
        // answers "budget: ..."), and the verifier's speed is measured by `vr1 bench` (verifier_pairs_per_s).
        var verifier = new MathVerifier();
        var rng = new Random(20_250_306);
        int budgetHits = 0;
        for (int i = 0; i < 20_000; i++)
        {
            string gold = i % 2 == 0 ? RandomText(rng) : TokenSoup(rng);
            string pred = i % 3 == 0 ? RandomText(rng) : TokenSoup(rng);
            var r = verifier.Verify(gold, pred);
            Assert.NotNull(r.Extracted);
            Assert.DoesNotContain("internal", r.Reason ?? "", StringComparison.Ordinal);
            if ((r.Reason ?? "").StartsWith("budget:", StringComparison.Ordinal))
            {
                Assert.False(r.Equal, $"[{gold}] vs [{pred}] hit the budget yet was called equal");
                budgetHits++;
            }
        }
        Assert.True(budgetHits < 2_000, $"{budgetHits} of 20,000 comparisons hit the step budget");
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
