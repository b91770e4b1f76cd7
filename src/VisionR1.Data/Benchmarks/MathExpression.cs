using System.Globalization;
using System.Text.RegularExpressions;

namespace VisionR1.Data.Benchmarks;

/// <summary>
/// The numeric value of the closed-form answers benchmarks use (decimals, <c>+ - * / ^</c>, parentheses,
/// <c>\frac{a}{b}</c>, <c>\sqrt{x}</c>, <c>\sqrt[n]{x}</c>, <c>\pi</c>, <c>%</c>, implicit multiplication), evaluated by
/// the verifier's one expression parser (<see cref="VisionR1.Answers.MathValue"/>), and the benchmarks' text
/// normalisation. Anything else (symbols, sets, relations) is not a number.
/// </summary>
public static partial class MathExpression
{
    /// <summary>
    /// The value of <paramref name="text"/>, or null when it is not a closed numeric expression: the verifier's
    /// expression parser (<see cref="VisionR1.Answers.MathValue"/>) on the text after <see cref="Normalize"/>.
    /// </summary>
    public static double? TryEvaluate(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 200) return null;
        var s = Normalize(text);
        return s.Length == 0 ? null : VisionR1.Answers.MathValue.TryEvaluate(s) is { } v && double.IsFinite(v) ? v : null;
    }

    /// <summary>Strips LaTeX spacing, <c>\left</c>/<c>\right</c>, <c>$</c>, degree marks, a leading <c>x=</c>, thousands separators; <c>\dfrac</c> → <c>\frac</c>.</summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim();
        s = s.Replace("\\left", "", StringComparison.Ordinal).Replace("\\right", "", StringComparison.Ordinal)
            .Replace("\\dfrac", "\\frac", StringComparison.Ordinal).Replace("\\tfrac", "\\frac", StringComparison.Ordinal)
            .Replace("\\!", "", StringComparison.Ordinal).Replace("\\,", "", StringComparison.Ordinal).Replace("\\;", "", StringComparison.Ordinal)
            .Replace("\\displaystyle", "", StringComparison.Ordinal).Replace("$", "", StringComparison.Ordinal)
            .Replace("^\\circ", "", StringComparison.Ordinal).Replace("^{\\circ}", "", StringComparison.Ordinal).Replace("°", "", StringComparison.Ordinal)
            .Replace("\\cdot", "*", StringComparison.Ordinal).Replace("\\times", "*", StringComparison.Ordinal).Replace("×", "*", StringComparison.Ordinal)
            .Replace("\\%", "%", StringComparison.Ordinal).Replace("π", "\\pi", StringComparison.Ordinal).Replace("√", "\\sqrt", StringComparison.Ordinal);
        s = TextWrapper().Replace(s, "$1");
        s = LeadingVariable().Replace(s, "");
        s = Thousands().Replace(s, m => m.Value.Replace(",", "", StringComparison.Ordinal));
        return Whitespace().Replace(s, "");
    }

    [GeneratedRegex(@"\\(?:text|mathrm|mathbf|textbf|operatorname)\{([^{}]*)\}")]
    private static partial Regex TextWrapper();

    [GeneratedRegex(@"^\s*[a-zA-Z]\s*=\s*(?!=)")]
    private static partial Regex LeadingVariable();

    [GeneratedRegex(@"\d{1,3}(?:,\d{3})+(?![\d])")]
    private static partial Regex Thousands();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
