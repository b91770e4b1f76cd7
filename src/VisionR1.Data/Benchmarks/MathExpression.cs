using System.Globalization;
using System.Text.RegularExpressions;

namespace VisionR1.Data.Benchmarks;

/// <summary>
/// A small numeric evaluator for the closed-form answers benchmarks use: decimals, <c>+ - * / ^</c>, parentheses,
/// <c>\frac{a}{b}</c>, <c>\sqrt{x}</c>, <c>\sqrt[n]{x}</c>, <c>\pi</c>, <c>%</c>, implicit multiplication (<c>2\sqrt{3}</c>).
/// Anything else (symbols, sets, relations) is not a number.
/// </summary>
public static partial class MathExpression
{
    /// <summary>The value of <paramref name="text"/>, or null when it is not a closed numeric expression.</summary>
    public static double? TryEvaluate(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 200) return null;
        var s = Normalize(text);
        if (s.Length == 0) return null;
        var p = new Parser(s);
        try
        {
            var v = p.Expression();
            return p.AtEnd && double.IsFinite(v) ? v : null;
        }
        catch (FormatException)
        {
            return null;
        }
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

    private sealed class Parser(string s)
    {
        private int _i;

        public bool AtEnd => _i == s.Length;

        public double Expression()
        {
            double v = Term();
            while (!AtEnd && s[_i] is '+' or '-')
            {
                char op = s[_i++];
                double r = Term();
                v = op == '+' ? v + r : v - r;
            }
            return v;
        }

        private double Term()
        {
            double v = Unary();
            while (!AtEnd)
            {
                if (s[_i] is '*' or '/')
                {
                    char op = s[_i++];
                    double r = Unary();
                    v = op == '*' ? v * r : v / r;
                }
                else if (s[_i] is '(' or '\\' or '{' || char.IsDigit(s[_i])) v *= Unary(); // implicit multiplication
                else break;
            }
            return v;
        }

        private double Unary()
        {
            if (!AtEnd && s[_i] == '-') { _i++; return -Unary(); }
            if (!AtEnd && s[_i] == '+') { _i++; return Unary(); }
            return Power();
        }

        private double Power()
        {
            double b = Postfix();
            if (!AtEnd && s[_i] == '^')
            {
                _i++;
                double e = !AtEnd && s[_i] == '{' ? Braced() : Unary();
                return Math.Pow(b, e);
            }
            return b;
        }

        private double Postfix()
        {
            double v = Atom();
            if (!AtEnd && s[_i] == '%') { _i++; v /= 100; }
            return v;
        }

        private double Atom()
        {
            if (AtEnd) throw new FormatException("unexpected end");
            char c = s[_i];
            if (c == '(')
            {
                _i++;
                double v = Expression();
                Expect(')');
                return v;
            }
            if (c == '{') return Braced();
            if (char.IsDigit(c) || c == '.')
            {
                int start = _i;
                while (!AtEnd && (char.IsDigit(s[_i]) || s[_i] == '.')) _i++;
                return double.Parse(s.AsSpan(start, _i - start), NumberStyles.Float, CultureInfo.InvariantCulture);
            }
            if (Take("\\frac")) return Braced() / Braced();
            if (Take("\\sqrt"))
            {
                double n = 2;
                if (!AtEnd && s[_i] == '[') { _i++; n = Expression(); Expect(']'); }
                double x = !AtEnd && s[_i] == '{' ? Braced() : Atom();
                return n == 2 ? Math.Sqrt(x) : Math.Pow(x, 1 / n);
            }
            if (Take("\\pi")) return Math.PI;
            throw new FormatException($"unexpected '{c}'");
        }

        private double Braced()
        {
            Expect('{');
            double v = Expression();
            Expect('}');
            return v;
        }

        private bool Take(string word)
        {
            if (string.CompareOrdinal(s, _i, word, 0, word.Length) != 0) return false;
            _i += word.Length;
            return true;
        }

        private void Expect(char c)
        {
            if (AtEnd || s[_i] != c) throw new FormatException($"expected '{c}'");
            _i++;
        }
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
