using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace VisionR1.Data.Benchmarks;

/// <summary>
/// The arithmetic a model writes in its reasoning, checked: every one-operation equation on whole numbers ("7 + 5 = 12",
/// "9 - 4 = 5", "3 * 4 = 12") in a set of completions, and how many of them are right. It tells whether chains of thought
/// fail on the picture (a wrong fact read) or on the arithmetic (a wrong equation written).
/// </summary>
/// <param name="Equations">One-operation equations found.</param>
/// <param name="Right">Of those, the ones whose result is right.</param>
public sealed partial record EquationAudit(
    [property: JsonPropertyName("equations")] int Equations,
    [property: JsonPropertyName("right")] int Right)
{
    /// <summary>Right / Equations (0 when there are none).</summary>
    [JsonPropertyName("rate")]
    public double Rate => Equations == 0 ? 0 : (double)Right / Equations;

    [GeneratedRegex(@"(?<![\d*+-] ?)\b(\d{1,6}) ([-+*]) (\d{1,6}) = (\d{1,7})\b(?! ?[-+*] ?\d)", RegexOptions.CultureInvariant)]
    private static partial Regex Equation();

    /// <summary>Audits <paramref name="texts"/> (equations that are part of a longer expression, as in "2 * (3 + 4)", are left out).</summary>
    public static EquationAudit Of(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        int equations = 0, right = 0;
        foreach (var text in texts)
        {
            if (text is null) continue;
            foreach (Match m in Equation().Matches(text))
            {
                long a = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), b = long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
                long c = long.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture);
                long value = m.Groups[2].Value switch { "+" => a + b, "-" => a - b, _ => a * b };
                equations++;
                if (value == c) right++;
            }
        }
        return new EquationAudit(equations, right);
    }

    /// <summary>Audits the <c>response</c> field of every line of a predictions file (as <c>LocalEvaluator</c> writes it).</summary>
    public static EquationAudit OfPredictions(string predictionsPath)
    {
        ArgumentNullException.ThrowIfNull(predictionsPath);
        return Of(File.ReadLines(predictionsPath).Where(l => !string.IsNullOrWhiteSpace(l)).Select(l =>
        {
            using var doc = System.Text.Json.JsonDocument.Parse(l);
            return doc.RootElement.TryGetProperty("response", out var r) && r.ValueKind == System.Text.Json.JsonValueKind.String ? r.GetString()! : "";
        }).ToList());
    }
}
