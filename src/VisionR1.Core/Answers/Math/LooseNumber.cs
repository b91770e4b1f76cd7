using System.Text.RegularExpressions;

namespace VisionR1.Answers.Math;

/// <summary>
/// Numbers as people write them in prose: thousands separators (<c>7,425,000</c>, <c>1 000</c>), a decimal
/// comma (<c>1000,99</c>, <c>0,111</c>, <c>2,74</c>), a Unicode minus (U+2212) and a trailing unit or currency
/// (<c>1,000.99m²</c>, <c>2,74 $</c>, <c>12 cm^2</c>). A comma is a thousands separator when the groups after it
/// have exactly three digits and the first group is 1–3 digits not starting with 0; otherwise a single comma is a
/// decimal comma. Used only where the other side of the comparison is a single number, so that "1,22" can still
/// be a list elsewhere.
/// </summary>
internal static partial class LooseNumber
{
    /// <summary>The whole of <paramref name="s"/> is one number, optionally followed by a unit or currency.</summary>
    public static bool TryParseAlone(string s, out Rational value, out bool isDecimal)
    {
        value = Rational.Zero;
        isDecimal = false;
        if (s.Length == 0 || s.Length > 80) return false;
        var m = AloneRegex().Match(s);
        if (!m.Success) return false;
        var unit = m.Groups["unit"].Value;
        if (unit.Length > 0 && !IsUnit(unit)) return false;
        // "2m" stays the product 2·m; "2 m", "1,000.99m²" and "5 m^2" carry a unit.
        if (unit.Length > 0 && char.IsAsciiLetter(unit[0]) && !UnitWords.Words.Contains(unit.TrimEnd('.'))
            && m.Groups["unit"].Index == m.Groups["num"].Index + m.Groups["num"].Length && !UnitExponentRegex().IsMatch(unit))
            return false;
        return TryNumber(m.Groups["sign"].Value, m.Groups["num"].Value, out value, out isDecimal);
    }

    /// <summary>The last number written in a sentence ("… it's 1,000.99m²", "Soucis : 2,74 $ a..").</summary>
    public static bool TryParseLast(string s, out Rational value, out bool isDecimal)
    {
        value = Rational.Zero;
        isDecimal = false;
        if (s.Length == 0 || s.Length > 2_000) return false;
        var m = NumberInTextRegex().Match(s);
        if (!m.Success) return false;
        return TryNumber(m.Groups["sign"].Value, m.Groups["num"].Value, out value, out isDecimal);
    }

    /// <summary>Whether <paramref name="s"/> holds a word of two or more letters that is not a LaTeX command name.</summary>
    public static bool IsProse(string s) => ProseWordRegex().IsMatch(s);

    private static bool TryNumber(string sign, string num, out Rational value, out bool isDecimal)
    {
        value = Rational.Zero;
        isDecimal = false;
        string plain;
        if (num.Contains(','))
        {
            if (ThousandsRegex().IsMatch(num)) plain = num.Replace(",", "", StringComparison.Ordinal);
            else if (num.IndexOf(',') == num.LastIndexOf(',') && !num.Contains('.')) plain = num.Replace(',', '.');
            else return false;
        }
        else plain = num.Replace(" ", "", StringComparison.Ordinal);
        if (!Rational.TryParseDecimal(plain, out value, out _) || plain.EndsWith('.')) return false;
        isDecimal = plain.Contains('.');
        if (sign is "-" or "\u2212") value = -value;
        return true;
    }

    private static bool IsUnit(string unit)
    {
        var u = UnitExponentRegex().Replace(unit.Trim(), "").Trim().TrimEnd('.');
        if (u.Length == 0) return true;
        if (u is "$" or "\u20ac" or "\u00a3" or "\u00a5") return true;
        foreach (var part in u.Split('/', StringSplitOptions.TrimEntries))
        {
            if (part.Length == 0) return false;
            if (!UnitWords.Words.Contains(part) && !UnitWords.SingleLetters.Contains(part)) return false;
        }
        return true;
    }

    [GeneratedRegex(@"^\s*\$?\s*(?<sign>[-\u2212+]?)\s*(?<num>\d{1,3}(?: \d{3})+(?:\.\d+)?|\d+(?:,\d+)*(?:\.\d+)?)\s*(?<unit>(?:[A-Za-zµ$€£¥]+(?:\s*(?:\^\s*\{?\s*[23]\s*\}?|[²³]))?(?:\s*/\s*[A-Za-zµ]+(?:\s*(?:\^\s*\{?\s*[23]\s*\}?|[²³]))?)?)?)\s*\$?\s*\.?\s*$")]
    private static partial Regex AloneRegex();

    [GeneratedRegex(@"(?<![\w.,])(?<sign>[-\u2212]?)(?<num>\d+(?:,\d+)*(?:\.\d+)?)(?![\d,]*\d)", RegexOptions.RightToLeft)]
    private static partial Regex NumberInTextRegex();

    [GeneratedRegex(@"(?<![\\A-Za-z])[A-Za-z]{2,}")]
    private static partial Regex ProseWordRegex();

    [GeneratedRegex(@"^[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$")]
    private static partial Regex ThousandsRegex();

    [GeneratedRegex(@"\s*(?:\^\s*\{?\s*[23]\s*\}?|[²³])")]
    private static partial Regex UnitExponentRegex();
}
