namespace VisionR1.Answers.Math;

/// <summary>The fast path: answers that are just a number ("42", "-3.5", "0.125"), parsed without allocation beyond the value.</summary>
internal static class PlainNumber
{
    public static bool TryParse(string s, out Rational value, out bool isDecimal)
    {
        value = Rational.Zero;
        isDecimal = false;
        if (s.Length == 0 || s.Length > 60) return false;
        int i = s[0] is '-' or '+' ? 1 : 0;
        if (i == s.Length) return false;
        bool dot = false, digit = false;
        for (int k = i; k < s.Length; k++)
        {
            char c = s[k];
            if (char.IsAsciiDigit(c)) digit = true;
            else if (c == '.' && !dot) dot = true;
            else return false;
        }
        if (!digit || s[^1] == '.') return false;
        isDecimal = dot;
        return Rational.TryParseDecimal(s, out value, out _);
    }
}
