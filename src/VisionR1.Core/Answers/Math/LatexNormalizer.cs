using System.Text;
using System.Text.RegularExpressions;

namespace VisionR1.Answers.Math;

/// <summary>
/// Rewrites an extracted answer into the plain LaTeX the parser reads: Unicode operators to
/// commands, wrappers unwrapped (<c>\boxed</c>, <c>\text</c>, <c>\mathrm</c>, ...), spacing and sizing
/// commands dropped, <c>\dfrac</c>/<c>\tfrac</c> to <c>\frac</c>, degree signs dropped, percent words to
/// <c>%</c>, thousands separators removed, and trailing units and currency stripped (answers.md, "Normalisation").
/// The project's one LaTeX normaliser: the verifier, <see cref="MathValue"/>, the choice matcher and the benchmark
/// judges (through <see cref="Compact(string)"/>) all read answers through it.
/// </summary>
public static partial class LatexNormalizer
{
    /// <summary>
    /// Normalises an answer as the verifier does before parsing it. Linear in the length of
    /// <paramref name="text"/>; never throws on any text.
    /// </summary>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Normalize(text, new ComputeBudget(int.MaxValue));
    }

    /// <summary>
    /// The compact form in which benchmark judges compare answers that are not numbers (MM-Math's text match):
    /// <see cref="Normalize(string)"/>, then a leading single-letter variable (<c>x =</c>) dropped, <c>\cdot</c> and
    /// <c>\times</c> written <c>*</c>, and all whitespace removed. Compare the results ignoring case.
    /// </summary>
    public static string Compact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var r = LeadingVariableRegex().Replace(Normalize(text), "");
        r = r.Replace("\\cdot", "*", StringComparison.Ordinal).Replace("\\times", "*", StringComparison.Ordinal);
        return WhitespaceRegex().Replace(r, "");
    }

    private static readonly HashSet<string> Unwrap = new(StringComparer.Ordinal)
    {
        "boxed", "fbox", "text", "textbf", "textit", "textrm", "textnormal", "textup", "textsf", "texttt", "mathrm",
        "mathbf", "mathit", "mathsf", "mathtt", "mathbb", "mathcal", "mbox", "hbox", "operatorname", "emph", "bm",
        "boldsymbol", "pmb", "mathnormal", "textsc", "mathring", "underline", "phantom",
    };

    private static readonly HashSet<string> Drop = new(StringComparer.Ordinal)
    {
        "left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big", "bigg", "Bigg", "biggl", "biggr", "displaystyle",
        "textstyle", "scriptstyle", "limits", "quad", "qquad", "hfill", "middle", "nonumber", "notag", "mathclap",
        "therefore", "because", "implies", "iff", "Rightarrow", "rightarrow",
        "Longrightarrow", "hline", "degree", "circ",
    };

    /// <summary>Normalises <paramref name="s"/>; linear in its length.</summary>
    internal static string Normalize(string s, ComputeBudget budget)
    {
        if (s.Contains("circ", StringComparison.Ordinal)) s = DegreeRegex().Replace(s, "");
        if (s.Contains("mathbb{R}", StringComparison.Ordinal) || s.Contains("real numbers", StringComparison.OrdinalIgnoreCase))
            s = RealLineRegex().Replace(s, "(-\\infty,\\infty)");
        var sb = new StringBuilder(s.Length + 8);
        AppendClean(sb, s, 0, s.Length, budget, 0);
        var r = sb.ToString();
        // An ellipsis is part of the answer (an open-ended list), not sentence punctuation.
        if (r.Contains("...", StringComparison.Ordinal)) r = r.Replace("...", " \\dots ", StringComparison.Ordinal);
        if (r.Contains(',')) r = ThousandsRegex().Replace(r, m => m.Value.Replace(",", "", StringComparison.Ordinal));
        if (r.Contains("pct", StringComparison.OrdinalIgnoreCase) || r.Contains("percent", StringComparison.OrdinalIgnoreCase))
            r = PercentWordRegex().Replace(r, "%");
        r = r.Trim();
        if (r.Contains(' ') && SpacedThousandsRegex().IsMatch(r)) r = r.Replace(" ", "", StringComparison.Ordinal);
        if (r.Length > 0 && char.IsLetter(r[0])) r = LeadingCurrencyRegex().Replace(r, "");
        if (r.Length > 0 && (char.IsLetter(r[^1]) || r[^1] is '.' or '2' or '3' or '}')) r = StripUnits(r);
        r = r.TrimEnd('.', ',', ';', ':', ' ', '\n', '\t').TrimStart(':', ' ');
        return r;
    }

    private static void AppendClean(StringBuilder sb, string s, int from, int to, ComputeBudget budget, int depth)
    {
        int i = from;
        while (i < to)
        {
            budget.Tick();
            char c = s[i];
            if (SymbolText(c) is { } text)
            {
                sb.Append(text);
                i++;
                continue;
            }
            switch (c)
            {
                case '\u00b0':
                    // 30°C: the scale letter goes with the degree sign.
                    i++;
                    if (i < to && s[i] is 'C' or 'F' && (i + 1 >= to || !char.IsLetter(s[i + 1]))) i++;
                    continue;
                case '{' when IsBracedComma(s, i, to, out int after): i = after; continue;
                case '\\' when i + 2 < to && s[i + 1] == '\\' && DoubledCommand(s, i + 2, to):
                    // "\\frac", "\\left(": a backslash doubled by an escaping step before a command name
                    // (a LaTeX line break "\\" is not followed by a command such as \frac or \le).
                    i++;
                    break;
                case '\\':
                    break;
                default:
                    sb.Append(c);
                    i++;
                    continue;
            }
            i = AppendCommand(sb, s, i, to, budget, depth);
        }
    }

    /// <summary>
    /// What a Unicode symbol is written as (operators and relations as their LaTeX commands, dashes as '-', spaces as ' ',
    /// '$' and currency signs as nothing), or null for a character without a fixed replacement.
    /// </summary>
    private static string? SymbolText(char c) => c switch
    {
        '$' or '\u20ac' or '\u00a3' or '\u00a5' or '\u20b9' => "",
        '~' or '\u00a0' or '\u2009' or '\u202f' => " ",
        '\u2212' or '\u2013' or '\u2014' => "-",
        '\u00d7' or '\u00b7' or '\u22c5' or '\u2217' => "*",
        '\u00f7' => "/",
        '\uff0c' => ",",
        '\u03c0' => "\\pi ",
        '\u221a' => "\\sqrt",
        '\u221e' => "\\infty ",
        '\u2264' or '\u2a7d' => "\\le ",
        '\u2265' or '\u2a7e' => "\\ge ",
        '\u2260' => "\\ne ",
        '\u2248' => "\\approx ",
        '\u00b1' => "\\pm ",
        '\u2213' => "\\mp ",
        '\u222a' => "\\cup ",
        '\u2229' => "\\cap ",
        '\u2208' => "\\in ",
        '\u2205' => "\\emptyset ",
        '\u00b2' => "^2",
        '\u00b3' => "^3",
        _ => null,
    };

    /// <summary>Writes the command whose backslash is at <paramref name="i"/> as its cleaned form; returns where reading goes on.</summary>
    private static int AppendCommand(StringBuilder sb, string s, int i, int to, ComputeBudget budget, int depth)
    {
        int start = i + 1;
        int j = start;
        while (j < to && char.IsAsciiLetter(s[j])) j++;
        if (j == start) return AppendEscaped(sb, s, start, to);
        var name = s[start..j];
        if (name is "dfrac" or "tfrac" or "cfrac") { sb.Append("\\frac"); return j; }
        if (name is "ldots" or "cdots" or "dotsc" or "dotsb" or "dotsm") { sb.Append("\\dots "); return j; }
        if (Drop.Contains(name))
        {
            // \left. and \right. are invisible delimiters.
            if (name is "left" or "right" && j < to && s[j] == '.') j++;
            if (name is "circ" or "degree" && sb.Length > 0 && sb[^1] == '^') sb.Length--;
            return j;
        }
        if (name is "pct" or "percent") { sb.Append('%'); return j; }
        if (Unwrap.Contains(name))
        {
            int k = j;
            while (k < to && s[k] == ' ') k++;
            if (k < to && s[k] == '{' && depth < 64)
            {
                int close = MatchBrace(s, k, to);
                if (close > k)
                {
                    sb.Append(' ');
                    AppendClean(sb, s, k + 1, close, budget, depth + 1);
                    sb.Append(' ');
                    return close + 1;
                }
            }
            return j;
        }
        // Keep a command name apart from letters that follow after unwrapping.
        sb.Append('\\').Append(name);
        return j;
    }

    /// <summary>
    /// An escaped character (a backslash without a command name, the character at <paramref name="start"/>): spacing
    /// (\, \; \: \! \ ) is dropped, \$ is a currency sign, the rest stays. Returns where reading goes on.
    /// </summary>
    private static int AppendEscaped(StringBuilder sb, string s, int start, int to)
    {
        if (start < to && s[start] is ',' or ';' or ':' or '!' or ' ' or '>')
        {
            sb.Append(s[start] == '!' ? "" : " ");
            int i = start + 1;
            // 12,\! 345: a thousands separator written with a negative space.
            if (s[start] == '!' && sb.Length > 0 && sb[^1] == ',')
                while (i < to && s[i] == ' ') i++;
            return i;
        }
        if (start < to && s[start] == '$') return start + 1;
        sb.Append('\\');
        if (start < to) sb.Append(s[start]);
        return start + 1;
    }

    /// <summary>Commands recognised after a doubled backslash.</summary>
    private static readonly HashSet<string> MathCommands = new(StringComparer.Ordinal)
    {
        "frac", "dfrac", "tfrac", "sqrt", "le", "leq", "ge", "geq", "lt", "gt", "ne", "neq", "pi", "cdot", "times", "div",
        "infty", "in", "cup", "cap", "pm", "mp", "sin", "cos", "tan", "log", "ln", "exp", "begin", "end", "dots", "ldots",
        "cdots", "approx", "alpha", "beta", "gamma", "theta", "mathbf", "overrightarrow", "vec", "angle", "emptyset",
    };

    private static bool DoubledCommand(string s, int start, int to)
    {
        int j = start;
        while (j < to && char.IsAsciiLetter(s[j])) j++;
        if (j == start) return false;
        var name = s[start..j];
        return MathCommands.Contains(name) || Unwrap.Contains(name) || (Drop.Contains(name) && name is not ("hline" or "quad" or "qquad"));
    }

    /// <summary><c>{,}</c> (spacing allowed inside): LaTeX's thousands separator, dropped.</summary>
    private static bool IsBracedComma(string s, int i, int to, out int after)
    {
        after = i;
        int k = i + 1;
        while (k < to && s[k] == ' ') k++;
        if (k >= to || s[k] != ',') return false;
        k++;
        while (k < to && s[k] == ' ') k++;
        if (k >= to || s[k] != '}') return false;
        after = k + 1;
        return true;
    }

    /// <summary>The index of the brace closing the one at <paramref name="open"/>, or -1.</summary>
    internal static int MatchBrace(string s, int open, int to)
    {
        int depth = 0;
        for (int i = open; i < to; i++)
        {
            char c = s[i];
            if (c == '\\') { i++; continue; }
            if (c == '{') depth++;
            else if (c == '}' && --depth == 0) return i;
        }
        return -1;
    }

    private static string StripUnits(string s)
    {
        for (int round = 0; round < 4; round++)
        {
            var m = TrailingWordRegex().Match(s);
            if (!m.Success) break;
            var word = m.Groups["w"].Value;
            int before = m.Index;
            // \sec, \min, \deg are commands, not units.
            if (m.Groups["w"].Index > 0 && s[m.Groups["w"].Index - 1] == '\\') break;
            var head = s[..before].TrimEnd();
            if (head.Length == 0) break;
            bool afterRate = (head.EndsWith('/') || head.EndsWith(" per", StringComparison.OrdinalIgnoreCase))
                && UnitBeforeRate(head);
            bool isUnit = UnitWords.Words.Contains(word)
                || (UnitWords.SingleLetters.Contains(word) && ((char.IsWhiteSpace(m.Value[0]) && (char.IsAsciiDigit(head[^1]) || head[^1] == '}')) || afterRate));
            if (!isUnit) break;
            // "km/h", "m per s": the unit before the slash goes too.
            if (head.EndsWith('/')) head = head[..^1].TrimEnd();
            else if (head.EndsWith(" per", StringComparison.OrdinalIgnoreCase)) head = head[..^4].TrimEnd();
            if (head.Length == 0) break;
            s = head;
        }
        return s;
    }

    private static bool UnitBeforeRate(string head)
    {
        var h = head.EndsWith('/') ? head[..^1].TrimEnd() : head[..^4].TrimEnd();
        var m = TrailingWordRegex().Match(h);
        return m.Success && (UnitWords.Words.Contains(m.Groups["w"].Value) || UnitWords.SingleLetters.Contains(m.Groups["w"].Value));
    }

    [GeneratedRegex(@"^\s*[a-zA-Z]\s*=\s*(?!=)")]
    private static partial Regex LeadingVariableRegex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRegex();

    [GeneratedRegex(@"\\mathbb\{R\}|(?:the\s+set\s+of\s+)?all\s+real\s+numbers", RegexOptions.IgnoreCase)]
    private static partial Regex RealLineRegex();

    [GeneratedRegex(@"^(?:Rs\.?|INR|USD|US\$|EUR|GBP|RMB|CNY)\s*(?=[\d.\\])", RegexOptions.IgnoreCase)]
    private static partial Regex LeadingCurrencyRegex();

    [GeneratedRegex(@"(?:\{\s*\})?\^\s*(?:\{\s*\\circ\s*\}|\\circ)(?:\s*(?:\\mathrm\{[CF]\}|\\text\{[CF]\}|[CF])(?![A-Za-z]))?")]
    private static partial Regex DegreeRegex();

    [GeneratedRegex(@"(?<![\d.,(\[]\s*)\d{1,3}(?:,\d{3})+(?![\d,]|\s*[)\]])")]
    private static partial Regex ThousandsRegex();

    [GeneratedRegex(@"^\s*-?\d{1,3}(?: \d{3})+\s*$")]
    private static partial Regex SpacedThousandsRegex();

    [GeneratedRegex(@"(?<![A-Za-z\\])(?:percentage|percent|pct)(?![A-Za-z])", RegexOptions.IgnoreCase)]
    private static partial Regex PercentWordRegex();

    [GeneratedRegex(@"\s*(?<w>[A-Za-zµ]+)\s*(?:\^\s*\{?\s*[23]\s*\}?)?\s*\.?\s*$")]
    private static partial Regex TrailingWordRegex();
}
