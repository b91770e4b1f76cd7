using System.Globalization;
using VisionR1.Answers;

namespace VisionR1.Diagnostics;

/// <summary>The deterministic mix of pairs used by the verifier benchmarks and <see cref="PerformanceBench"/>.</summary>
public static class VerifierMix
{
    private static ThinkAnswerFormat Layout => ThinkAnswerFormat.Default;

    private static readonly string Reasoning =
        string.Concat(Enumerable.Repeat("Let me look at the figure again. The segment AB is 6 and the angle at C is 30 degrees, so I compute step by step. Wait, check the units. ", 12));

    /// <summary>Builds <paramref name="count"/> pairs, about 70% of them equal.</summary>
    public static (string Gold, string Prediction, AnswerContext? Context)[] Build(int count, int seed)
    {
        var rng = new Random(seed);
        var mix = new (string, string, AnswerContext?)[count];
        string[] choices = ["12", "15", "18", "24"];
        string[] exprGold = ["x^2+2x+1", "\\frac{x+2}{7}", "2\\sin x\\cos x", "\\sqrt{8}", "(x-1)(x+1)", "\\frac{\\pi}{3}", "3\\sqrt{13}", "e^{2x}"];
        string[] exprSame = ["(x+1)^2", "\\frac{x}{7}+\\frac{2}{7}", "\\sin(2x)", "2\\sqrt{2}", "x^2-1", "\\frac{1}{3}\\pi", "\\sqrt{117}", "(e^x)^2"];
        string[] exprDiff = ["(x-1)^2", "\\frac{x}{7}+2", "\\cos(2x)", "2\\sqrt{3}", "x^2+1", "\\frac{\\pi}{6}", "\\sqrt{113}", "e^{x^2}"];
        for (int i = 0; i < count; i++)
        {
            bool same = rng.NextDouble() < 0.7;
            string gold, pred;
            AnswerContext? context = null;
            switch (rng.Next(10))
            {
                case 0 or 1 or 2:
                {
                    int n = rng.Next(-50, 5000);
                    gold = n.ToString(CultureInfo.InvariantCulture);
                    pred = (same ? n : n + rng.Next(1, 9)).ToString(CultureInfo.InvariantCulture);
                    break;
                }
                case 3 or 4:
                {
                    double v = System.Math.Round(rng.NextDouble() * 100, 2);
                    gold = v.ToString("0.00", CultureInfo.InvariantCulture);
                    pred = (same ? v : v + 0.1).ToString("0.0#", CultureInfo.InvariantCulture);
                    break;
                }
                case 5 or 6:
                {
                    int a = rng.Next(1, 20), b = rng.Next(2, 20);
                    gold = $"\\frac{{{a}}}{{{b}}}";
                    pred = same ? (rng.Next(2) == 0 ? $"{a * 2}/{b * 2}" : $"\\dfrac{{{a * 3}}}{{{b * 3}}}") : $"{a + 1}/{b}";
                    break;
                }
                case 7 or 8:
                {
                    int k = rng.Next(choices.Length);
                    gold = ((char)('A' + k)).ToString();
                    int j = same ? k : (k + 1) % choices.Length;
                    pred = rng.Next(3) switch { 0 => $"({(char)('A' + j)})", 1 => choices[j], _ => $"option {(char)('A' + j)}" };
                    context = new AnswerContext(choices);
                    break;
                }
                default:
                {
                    int k = rng.Next(exprGold.Length);
                    gold = exprGold[k];
                    pred = same ? exprSame[k] : exprDiff[k];
                    break;
                }
            }
            if (rng.Next(2) == 0)
                pred = rng.Next(3) switch
                {
                    0 => $"{Layout.ThinkOpen}\n{Reasoning}\n{Layout.ThinkClose}\n{Layout.AnswerOpen} Final Answer:{pred} {Layout.AnswerClose}",
                    1 => $"{Reasoning} Therefore the answer is $\\boxed{{{pred}}}$.",
                    _ => Layout.Wrap(Reasoning, $"\\boxed{{{pred}}}"),
                };
            mix[i] = (gold, pred, context);
        }
        return mix;
    }
}
