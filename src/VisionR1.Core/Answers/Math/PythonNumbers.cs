using System.Globalization;
using System.Numerics;
using System.Text;

namespace VisionR1.Answers.Math;

/// <summary>
/// Python's number semantics where official benchmark scorers depend on them: <c>float(str)</c>,
/// <c>int(str)</c>, <c>int(float)</c> truncation, <c>round(float, n)</c> on the exact binary value with
/// ties to even, and <c>repr(float)</c> (shortest round-trip digits, <c>'1e-05'</c>, <c>'100.0'</c>).
/// </summary>
public static class PythonNumbers
{
    /// <summary>Python's <c>float(s)</c>: surrounding whitespace, a sign, underscores between digits, any Unicode decimal digits, <c>inf</c>/<c>infinity</c>/<c>nan</c>. False where Python raises ValueError.</summary>
    public static bool TryParseFloat(string? s, out double value)
    {
        value = 0;
        if (s is null) return false;
        var t = ToAsciiDigits(s).Trim(PythonWhitespace);
        if (t.Length == 0) return false;
        int i = 0;
        bool negative = false;
        if (t[0] is '+' or '-') { negative = t[0] == '-'; i = 1; }
        var rest = t[i..];
        switch (rest.ToLowerInvariant())
        {
            case "inf" or "infinity": value = negative ? double.NegativeInfinity : double.PositiveInfinity; return true;
            case "nan": value = double.NaN; return true;
        }
        var clean = new StringBuilder(rest.Length + 1);
        if (negative) clean.Append('-');
        int pos = 0;
        int intDigits = ReadDigitPart(rest, ref pos, clean);
        int fracDigits = 0;
        if (pos < rest.Length && rest[pos] == '.')
        {
            clean.Append('.');
            pos++;
            fracDigits = ReadDigitPart(rest, ref pos, clean);
            if (fracDigits < 0) return false;
        }
        if (intDigits < 0 || (intDigits == 0 && fracDigits == 0)) return false;
        if (pos < rest.Length && rest[pos] is 'e' or 'E')
        {
            clean.Append('e');
            pos++;
            if (pos < rest.Length && rest[pos] is '+' or '-') clean.Append(rest[pos++]);
            if (ReadDigitPart(rest, ref pos, clean) <= 0) return false;
        }
        if (pos != rest.Length) return false;
        value = double.Parse(clean.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>Python's <c>int(s)</c> for a string in base 10 (no decimal point). False where Python raises ValueError.</summary>
    public static bool TryParseInt(string? s, out BigInteger value)
    {
        value = default;
        if (s is null) return false;
        var t = ToAsciiDigits(s).Trim(PythonWhitespace);
        int i = 0;
        bool negative = false;
        if (t.Length > 0 && t[0] is '+' or '-') { negative = t[0] == '-'; i = 1; }
        var rest = t[i..];
        var digits = new StringBuilder();
        int pos = 0;
        if (ReadDigitPart(rest, ref pos, digits) <= 0 || pos != rest.Length) return false;
        value = BigInteger.Parse(digits.ToString(), CultureInfo.InvariantCulture);
        if (negative) value = -value;
        return true;
    }

    /// <summary>Python's <c>str(int(x))</c> for a float: truncation toward zero, exact for large values; null for inf/nan (Python raises).</summary>
    public static string? TruncateToIntString(double x) =>
        double.IsFinite(x) ? new BigInteger(System.Math.Truncate(x)).ToString(CultureInfo.InvariantCulture) : null;

    /// <summary>
    /// Python's <c>round(x, ndigits)</c> for a float: the exact binary value rounded to <paramref name="ndigits"/>
    /// decimal places, ties to even, converted back to the nearest double. Null where Python raises OverflowError.
    /// </summary>
    public static double? Round(double x, BigInteger ndigits)
    {
        if (ndigits > 323) return x;
        if (ndigits < -308) return 0.0 * x;
        if (x == 0 || !double.IsFinite(x)) return x;
        int n = (int)ndigits;
        long bits = BitConverter.DoubleToInt64Bits(x);
        bool negative = bits < 0;
        int exponent = (int)((bits >> 52) & 0x7FF);
        long fraction = bits & 0xFFFFFFFFFFFFFL;
        BigInteger mantissa;
        int exp2;
        if (exponent == 0) { mantissa = fraction; exp2 = -1074; }
        else { mantissa = fraction | (1L << 52); exp2 = exponent - 1075; }
        // |x| * 10^n = mantissa * 2^exp2 * 10^n = num / den exactly.
        BigInteger num = mantissa, den = BigInteger.One;
        if (exp2 >= 0) num <<= exp2; else den <<= -exp2;
        if (n >= 0) num *= BigInteger.Pow(10, n); else den *= BigInteger.Pow(10, -n);
        var q = BigInteger.DivRem(num, den, out var r);
        int cmp = (r * 2).CompareTo(den);
        if (cmp > 0 || (cmp == 0 && !q.IsEven)) q += 1;
        var text = string.Create(CultureInfo.InvariantCulture, $"{(negative ? "-" : "")}{q}e{-n}");
        var rounded = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (double.IsInfinity(rounded)) return null;
        return rounded == 0 && negative ? -0.0 : rounded;
    }

    /// <summary>Python's <c>repr(x)</c> / <c>str(x)</c> of a float.</summary>
    public static string Repr(double x)
    {
        if (double.IsNaN(x)) return "nan";
        if (double.IsPositiveInfinity(x)) return "inf";
        if (double.IsNegativeInfinity(x)) return "-inf";
        bool negative = double.IsNegative(x);
        if (x == 0) return negative ? "-0.0" : "0.0";
        var (digits, decpt) = ShortestDigits(System.Math.Abs(x));
        var sb = new StringBuilder();
        if (negative) sb.Append('-');
        if (decpt <= -4 || decpt > 16)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            int e = decpt - 1;
            sb.Append('e').Append(e < 0 ? '-' : '+').Append(System.Math.Abs(e).ToString("00", CultureInfo.InvariantCulture));
        }
        else if (decpt <= 0) sb.Append("0.").Append('0', -decpt).Append(digits);
        else if (decpt >= digits.Length) sb.Append(digits).Append('0', decpt - digits.Length).Append(".0");
        else sb.Append(digits, 0, decpt).Append('.').Append(digits, decpt, digits.Length - decpt);
        return sb.ToString();
    }

    /// <summary>The shortest round-trip decimal digits of a positive finite value and the point position (value = 0.DIGITS × 10^decpt).</summary>
    private static (string Digits, int DecPt) ShortestDigits(double x)
    {
        var r = x.ToString("R", CultureInfo.InvariantCulture);
        int e = 0;
        int ePos = r.IndexOfAny(['E', 'e']);
        if (ePos >= 0)
        {
            e = int.Parse(r.AsSpan(ePos + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..ePos];
        }
        int dot = r.IndexOf('.');
        string intPart = dot >= 0 ? r[..dot] : r;
        string fracPart = dot >= 0 ? r[(dot + 1)..] : "";
        var all = intPart + fracPart;
        int decpt = intPart.Length + e;
        int lead = 0;
        while (lead < all.Length - 1 && all[lead] == '0') lead++;
        all = all[lead..];
        decpt -= lead;
        all = all.TrimEnd('0');
        return (all.Length == 0 ? "0" : all, decpt);
    }

    /// <summary>Reads digits with single underscores between them; returns the count of digits, or -1 for a misplaced underscore.</summary>
    private static int ReadDigitPart(string s, ref int pos, StringBuilder into)
    {
        int count = 0;
        while (pos < s.Length)
        {
            char c = s[pos];
            if (c is >= '0' and <= '9') { into.Append(c); count++; pos++; }
            else if (c == '_' && count > 0 && pos + 1 < s.Length && s[pos + 1] is >= '0' and <= '9') pos++;
            else if (c == '_') return -1;
            else break;
        }
        return count;
    }

    private static string ToAsciiDigits(string s)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < s.Length; i++)
        {
            int d = CharUnicodeInfo.GetDecimalDigitValue(s, i);
            char c = s[i];
            char mapped = d >= 0 && c is not (>= '0' and <= '9') ? (char)('0' + d) : c;
            if (mapped != c)
            {
                sb ??= new StringBuilder(s, 0, i, s.Length);
                sb.Append(mapped);
                if (char.IsHighSurrogate(c)) i++;
            }
            else sb?.Append(c);
        }
        return sb?.ToString() ?? s;
    }

    /// <summary>Python's <c>s.strip()</c>: <paramref name="s"/> without the leading and trailing characters <c>str.isspace</c> holds.</summary>
    public static string Strip(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return s.Trim(PythonWhitespace);
    }

    /// <summary>The characters Python's <c>str.strip()</c> removes (str.isspace).</summary>
    private static readonly char[] PythonWhitespace =
    [
        ' ', '\t', '\n', '\v', '\f', '\r', '\x1c', '\x1d', '\x1e', '\x1f', '\x85', '\xa0', '\u1680',
        '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200a',
        '\u2028', '\u2029', '\u202f', '\u205f', '\u3000',
    ];
}
