using System.Text;

namespace VisionR1.Data.Benchmarks;

/// <summary>Reading JSON written by Python's <c>json.dumps</c>, which emits the non-standard literals <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c>.</summary>
public static class PythonJson
{
    /// <summary>
    /// Replaces <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c> outside strings with <c>null</c> so standard parsers accept
    /// the line. In MathVista's rules a non-finite number and None lead to the same verdict (both make int() and round() fail,
    /// and neither equals a string answer).
    /// </summary>
    public static string ReplaceNonFiniteLiterals(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (!json.Contains("NaN", StringComparison.Ordinal) && !json.Contains("Infinity", StringComparison.Ordinal)) return json;
        var sb = new StringBuilder(json.Length);
        bool inString = false;
        for (int i = 0; i < json.Length; i++)
        {
            char c = json[i];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\' && i + 1 < json.Length) sb.Append(json[++i]);
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"') { inString = true; sb.Append(c); continue; }
            if (Matches(json, i, "NaN")) { sb.Append("null"); i += 2; continue; }
            if (Matches(json, i, "-Infinity")) { sb.Append("null"); i += 8; continue; }
            if (Matches(json, i, "Infinity")) { sb.Append("null"); i += 7; continue; }
            sb.Append(c);
        }
        return sb.ToString();
    }

    private static bool Matches(string s, int i, string word) => string.CompareOrdinal(s, i, word, 0, word.Length) == 0;
}
