using System.Globalization;
using VisionR1.Data.Records;
using VisionR1.Inputs;
using VisionR1.Problems;

namespace VisionR1.Data.Synthetic;

/// <summary>
/// Text-only arithmetic for base pre-training. The base stands in for an instruct model, which can add, subtract and
/// multiply before it ever sees a chart; a model trained from scratch on captions and one-number answers cannot, and
/// its chains of thought then fail on the arithmetic rather than on the picture. The practice uses the one-operation
/// forms and the value ranges of the world's chains of thought; it carries no image and no scene.
/// </summary>
public static class ArithmeticDrills
{
    /// <summary>
    /// <paramref name="count"/> practice texts, each <paramref name="equationsPerText"/> equations in the canonical one-operation
    /// forms the world's chains of thought write (<c>a + b = c.</c>, <c>a - b = c.</c>, <c>a * b = c.</c>), with operands in
    /// the ranges those chains meet for values up to <paramref name="maxValue"/>: running sums up to three times it (bar totals,
    /// triangle perimeters), differences of totals, products of sides, doublings of half-perimeters. Packed ten to a text they
    /// are cheap next to image samples, so each fact of the table is seen many times (an addition table learned from a few
    /// exposures per fact was wrong: "1 + 1 = 7").
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative, or <paramref name="maxValue"/> is not 1–9.</exception>
    public static List<ChatSample> Canonical(int count, long seed, int maxValue, int equationsPerText = 10)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(equationsPerText, 1);
        if (maxValue is < 1 or > 9) throw new ArgumentOutOfRangeException(nameof(maxValue), maxValue, "maxValue must be between 1 and 9.");
        var rng = new Random(unchecked((int)(seed * 6113 + 29)));
        var list = new List<ChatSample>(count);
        for (int i = 0; i < count; i++)
        {
            var reply = string.Join(" ", Enumerable.Range(0, equationsPerText).Select(_ => CanonicalEquation(rng, maxValue).Text));
            var id = "arith-" + i.ToString("D6", CultureInfo.InvariantCulture);
            list.Add(ChatSample.Supervised(new MathProblem(id, [], PracticePrompt, "", AnswerType: AnswerType.Integer), PracticePrompt, reply));
        }
        return list;
    }

    /// <summary>The user turn of <see cref="Canonical"/>'s practice texts.</summary>
    public const string PracticePrompt = "Practise arithmetic.";

    /// <summary>
    /// A probe of the same facts as questions ("What is 7 + 5?"), text only, drawn with a different stream than the practice
    /// texts: evaluated for every model, it tells whether a chain of thought fails on the picture or on the arithmetic.
    /// </summary>
    public static List<MathProblem> Probe(int count, long seed, int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (maxValue is < 1 or > 9) throw new ArgumentOutOfRangeException(nameof(maxValue), maxValue, "maxValue must be between 1 and 9.");
        var rng = new Random(unchecked((int)(seed * 7727 + 101)));
        var list = new List<MathProblem>(count);
        for (int i = 0; i < count; i++)
        {
            var (_, expression, result) = CanonicalEquation(rng, maxValue);
            var id = "probe-" + i.ToString("D4", CultureInfo.InvariantCulture);
            list.Add(new MathProblem(id, [], $"What is {expression}?", N(result), AnswerType: AnswerType.Integer,
                Metadata: new Dictionary<string, string>(StringComparer.Ordinal) { ["family"] = "arithmetic", ["steps"] = "1" }));
        }
        return list;
    }

    private static (string Text, string Expression, int Result) CanonicalEquation(Random rng, int v)
    {
        int a, b, r;
        string op;
        switch (rng.Next(10))
        {
            case < 4: // two facts added
                a = rng.Next(0, v + 1); b = rng.Next(0, v + 1); op = "+"; r = a + b; break;
            case < 6: // a running total plus one more fact
                a = rng.Next(0, 3 * v + 1); b = rng.Next(0, v + 1); op = "+"; r = a + b; break;
            case < 8: // a difference (of facts, or of a total and a fact)
                a = rng.Next(0, 2 * v + 1); b = rng.Next(0, a + 1); op = "-"; r = a - b; break;
            case 8: // a product of two sides
                a = rng.Next(1, v + 1); b = rng.Next(1, v + 1); op = "*"; r = a * b; break;
            default: // a doubled half-perimeter
                a = 2; b = rng.Next(1, 2 * v + 1); op = "*"; r = a * b; break;
        }
        var expression = $"{N(a)} {op} {N(b)}";
        return ($"{expression} = {N(r)}.", expression, r);
    }

    private static string N(int v) => v.ToString(CultureInfo.InvariantCulture);
}
