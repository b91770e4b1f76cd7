using VisionR1.Answers;

namespace VisionR1.Data.Benchmarks;

/// <summary>
/// The numeric value of the closed-form answers benchmarks use (decimals, <c>+ - * / ^</c>, parentheses,
/// <c>\frac{a}{b}</c>, <c>\sqrt{x}</c>, <c>\sqrt[n]{x}</c>, <c>\pi</c>, <c>%</c>, implicit multiplication), read by the
/// verifier's one normaliser and expression parser (<see cref="MathValue"/>). Anything else (symbols, sets,
/// relations) is not a number. Answers that are not numbers are compared in
/// <see cref="VisionR1.Answers.Math.LatexNormalizer.Compact"/>'s form.
/// </summary>
public static class MathExpression
{
    /// <summary>The longest answer (characters) read as a number; a longer span is prose, not a closed-form answer.</summary>
    public const int MaxLength = 200;

    /// <summary>
    /// The finite value of <paramref name="text"/>, or null when it is not a closed numeric expression or is longer
    /// than <see cref="MaxLength"/>: <see cref="MathValue.TryEvaluate"/>.
    /// </summary>
    public static double? TryEvaluate(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength) return null;
        return MathValue.TryEvaluate(text) is { } v && double.IsFinite(v) ? v : null;
    }
}
