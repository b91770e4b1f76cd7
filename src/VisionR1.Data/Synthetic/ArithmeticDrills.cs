using System.Globalization;
using VisionR1.Problems;

namespace VisionR1.Data.Synthetic;

/// <summary>
/// Text-only arithmetic exercises for base pre-training. The base stands in for an instruct model, which can add,
/// subtract, multiply, compare, sort and count before it ever sees a chart; a model trained from scratch on
/// captions and one-number answers cannot, and its chains of thought then fail on "4 + 4 + 4" rather than on the
/// picture. The exercises use small whole numbers (0–9 operands, the range of the synthetic world) and the
/// notation the world's chains of thought use; they carry no image and no scene.
/// </summary>
public static class ArithmeticDrills
{
    /// <summary><paramref name="count"/> exercises drawn with <paramref name="seed"/> (the same seed gives the same list).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public static List<SupervisedSample> Generate(int count, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rng = new Random(unchecked((int)(seed * 7919 + 17)));
        var list = new List<SupervisedSample>(count);
        for (int i = 0; i < count; i++)
        {
            var (question, answer, reply) = Draw(rng, i % Kinds);
            var id = "drill-" + i.ToString("D6", CultureInfo.InvariantCulture);
            list.Add(new SupervisedSample(new MathProblem(id, [], question, answer, AnswerType: AnswerType.Integer), question, reply));
        }
        return list;
    }

    private const int Kinds = 7;

    private static string N(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string JoinAnd(IReadOnlyList<int> v) =>
        v.Count == 1 ? N(v[0]) : string.Join(", ", v.Take(v.Count - 1).Select(N)) + " and " + N(v[^1]);

    private static (string Question, string Answer, string Reply) Draw(Random rng, int kind)
    {
        switch (kind)
        {
            case 0:
            {
                var v = Enumerable.Range(0, rng.Next(2, 5)).Select(_ => rng.Next(0, 10)).ToList();
                string expr = string.Join(" + ", v.Select(N));
                return ($"What is {expr}?", N(v.Sum()), $"{expr} = {N(v.Sum())}.");
            }
            case 1:
            {
                int a = rng.Next(0, 10), b = rng.Next(0, a + 1);
                return ($"What is {N(a)} - {N(b)}?", N(a - b), $"{N(a)} - {N(b)} = {N(a - b)}.");
            }
            case 2:
            {
                int a = rng.Next(1, 10), b = rng.Next(1, 10);
                return ($"What is {N(a)} * {N(b)}?", N(a * b), $"{N(a)} * {N(b)} = {N(a * b)}.");
            }
            case 3:
            {
                int a = rng.Next(1, 10), b = rng.Next(1, 10);
                return ($"What is 2 * ({N(a)} + {N(b)})?", N(2 * (a + b)), $"2 * ({N(a)} + {N(b)}) = 2 * {N(a + b)} = {N(2 * (a + b))}.");
            }
            case 4:
            {
                var v = Enumerable.Range(0, rng.Next(2, 5)).Select(_ => rng.Next(0, 10)).ToList();
                bool largest = rng.Next(2) == 0;
                int r = largest ? v.Max() : v.Min();
                string word = largest ? "largest" : "smallest";
                return ($"Which is the {word} of {JoinAnd(v)}?", N(r), $"The {word} of {JoinAnd(v)} is {N(r)}.");
            }
            case 5:
            {
                var v = Enumerable.Range(0, rng.Next(2, 5)).Select(_ => rng.Next(0, 10)).ToList();
                string sorted = string.Join(", ", v.Order().Select(N));
                return ($"Put {JoinAnd(v)} in order.", sorted, $"In order: {sorted}.");
            }
            default:
            {
                int n = rng.Next(1, 10);
                string counted = string.Join(", ", Enumerable.Range(1, n).Select(N));
                return ($"Count to {N(n)}.", N(n), $"{counted}.");
            }
        }
    }
}
