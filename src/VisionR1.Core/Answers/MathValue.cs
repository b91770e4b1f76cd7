using System.Numerics;
using VisionR1.Answers.Math;

namespace VisionR1.Answers;

/// <summary>
/// The numeric value of a closed-form answer (<c>\frac{3}{4}</c>, <c>2\sqrt{3}</c>, <c>12.5\%</c>, <c>x = 7</c>,
/// <c>5 cm</c>), read by the same normaliser, parser and evaluator as <see cref="MathVerifier"/>: the project's one
/// expression parser. Symbols, sets, tuples and relations other than <c>name = value</c> have no value. Bounded by
/// a step budget; never throws on any text.
/// </summary>
public static class MathValue
{
    private static readonly IReadOnlyDictionary<string, Complex> NoVariables = new Dictionary<string, Complex>();

    /// <summary>The real value of <paramref name="text"/>, or null when it is not a closed numeric expression.</summary>
    /// <param name="text">An answer.</param>
    /// <param name="maxSteps">The work budget (tokens lexed, nodes parsed and evaluated).</param>
    public static double? TryEvaluate(string text, int maxSteps = 50_000)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 2_000) return null;
        try
        {
            var budget = new ComputeBudget(maxSteps);
            var s = LatexNormalizer.Normalize(text, budget);
            if (s.Length == 0) return null;
            var node = MathParser.Parse(s, budget);
            if (node is RelationNode { Ops: [RelationOp.Equal], Sides: [SymbolNode, var right] }) node = right;
            if (MathEvaluator.TryExact(node, budget, out var exact)) return exact.ToDouble();
            var z = MathEvaluator.Eval(node, NoVariables, budget);
            return MathEvaluator.IsDefined(z) && System.Math.Abs(z.Imaginary) <= 1e-12 * System.Math.Max(1, System.Math.Abs(z.Real)) ? z.Real : null;
        }
        catch (Exception e) when (e is FormatException or BudgetExceededException or ArithmeticException or OverflowException)
        {
            return null;
        }
    }
}
