using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using VisionR1.Answers.Math;

namespace VisionR1.Data.Benchmarks;

/// <summary>
/// Python's <c>str()</c> and <c>repr()</c> of values loaded by Python's <c>json</c> module (str, int, float,
/// bool, None, list, dict), so that scorers written against Python objects can be reproduced from JSON.
/// </summary>
public static class PythonText
{
    /// <summary>Python's <c>str(v)</c> for the value <c>json.loads</c> would produce from <paramref name="v"/>.</summary>
    public static string Str(JsonElement v) => v.ValueKind == JsonValueKind.String ? v.GetString()! : Repr(v);

    /// <summary>Python's <c>repr(v)</c> for the value <c>json.loads</c> would produce from <paramref name="v"/>.</summary>
    public static string Repr(JsonElement v)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.String: return ReprString(v.GetString()!);
            case JsonValueKind.True: return "True";
            case JsonValueKind.False: return "False";
            case JsonValueKind.Null or JsonValueKind.Undefined: return "None";
            case JsonValueKind.Number:
                var raw = v.GetRawText();
                if (IsJsonInteger(raw)) return BigInteger.Parse(raw, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
                return PythonNumbers.Repr(double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture));
            case JsonValueKind.Array:
                return "[" + string.Join(", ", v.EnumerateArray().Select(Repr)) + "]";
            case JsonValueKind.Object:
                return "{" + string.Join(", ", v.EnumerateObject().Select(p => ReprString(p.Name) + ": " + Repr(p.Value))) + "}";
            default: return "None";
        }
    }

    /// <summary>Whether a JSON number literal is an integer to Python's json module (no fraction, no exponent).</summary>
    public static bool IsJsonInteger(string raw) => raw.IndexOfAny(['.', 'e', 'E']) < 0;

    /// <summary>Python's <c>repr(s)</c> of a string: single quotes unless the text has a single quote and no double quote; escapes for non-printable characters.</summary>
    public static string ReprString(string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var sb = new StringBuilder(s.Length + 2).Append(quote);
        foreach (var rune in s.EnumerateRunes())
        {
            int c = rune.Value;
            if (c == quote || c == '\\') sb.Append('\\').Append((char)c);
            else if (c == '\t') sb.Append("\\t");
            else if (c == '\n') sb.Append("\\n");
            else if (c == '\r') sb.Append("\\r");
            else if (c < 0x20 || c == 0x7F) sb.Append("\\x").Append(c.ToString("x2", CultureInfo.InvariantCulture));
            else if (c < 0x7F) sb.Append((char)c);
            else if (!IsPrintable(rune)) sb.Append(c <= 0xFF ? "\\x" + c.ToString("x2", CultureInfo.InvariantCulture) : c <= 0xFFFF ? "\\u" + c.ToString("x4", CultureInfo.InvariantCulture) : "\\U" + c.ToString("x8", CultureInfo.InvariantCulture));
            else sb.Append(rune.ToString());
        }
        return sb.Append(quote).ToString();
    }

    // Python's str.isprintable: not in categories Cc, Cf, Cs, Co, Cn, Zl, Zp, Zs (except the ASCII space).
    private static bool IsPrintable(Rune r) => Rune.GetUnicodeCategory(r) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.SpaceSeparator => false,
        _ => true,
    };
}
