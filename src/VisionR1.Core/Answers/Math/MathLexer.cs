namespace VisionR1.Answers.Math;

/// <summary>The kinds of token the parser reads.</summary>
internal enum TokenKind { Number, Identifier, Word, Command, Symbol, End }

/// <summary>One token: a number's digits, a letter, a word, a LaTeX command name (without the backslash) or an operator.</summary>
internal readonly record struct MathToken(TokenKind Kind, string Text)
{
    public bool Is(char c) => Kind == TokenKind.Symbol && Text.Length == 1 && Text[0] == c;
    public bool IsCommand(string name) => Kind == TokenKind.Command && Text == name;
}

/// <summary>
/// Splits a normalised answer into tokens. Letter runs become single-letter identifiers (implicit
/// multiplication: <c>xy</c> is x·y), except known function names, constants and words of four or more
/// letters, which stay whole (plain-text answers such as "Evelyn" or "yes").
/// </summary>
internal static class MathLexer
{
    private static readonly HashSet<string> FunctionWords = new(StringComparer.Ordinal)
    {
        "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "asin", "acos", "atan",
        "sinh", "cosh", "tanh", "log", "ln", "exp", "sqrt", "abs", "lg",
    };

    public static List<MathToken> Tokenize(string s, ComputeBudget budget)
    {
        var tokens = new List<MathToken>(s.Length / 2 + 4);
        int i = 0;
        while (i < s.Length)
        {
            budget.Tick();
            char c = s[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1])))
            {
                int start = i;
                bool dot = false;
                while (i < s.Length && (char.IsAsciiDigit(s[i]) || (s[i] == '.' && !dot && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1]))))
                {
                    if (s[i] == '.') dot = true;
                    i++;
                }
                // Scientific notation written plainly: 1e-5, 2.5E3 (not when a word follows, e.g. "2ex").
                if (i < s.Length && s[i] is 'e' or 'E')
                {
                    int j = i + 1;
                    if (j < s.Length && s[j] is '+' or '-') j++;
                    int k = j;
                    while (k < s.Length && char.IsAsciiDigit(s[k])) k++;
                    if (k > j && (k >= s.Length || !char.IsLetter(s[k]))) i = k;
                }
                var text = s[start..i];
                if (text.StartsWith('.')) text = "0" + text;
                tokens.Add(new MathToken(TokenKind.Number, text));
                continue;
            }
            if (char.IsLetter(c))
            {
                int start = i;
                while (i < s.Length && char.IsLetter(s[i])) i++;
                var word = s[start..i];
                AddWord(tokens, word);
                continue;
            }
            if (c == '\\')
            {
                int start = ++i;
                if (i < s.Length && char.IsLetter(s[i]))
                {
                    while (i < s.Length && char.IsLetter(s[i])) i++;
                    tokens.Add(new MathToken(TokenKind.Command, s[start..i]));
                }
                else if (i < s.Length)
                {
                    char n = s[i++];
                    // \{ \} are set braces, \\ a row break, \| a norm bar; other escapes are the character itself.
                    tokens.Add(n switch
                    {
                        '{' => new MathToken(TokenKind.Command, "{"),
                        '}' => new MathToken(TokenKind.Command, "}"),
                        '\\' => new MathToken(TokenKind.Command, "\\"),
                        '|' => new MathToken(TokenKind.Symbol, "|"),
                        '%' => new MathToken(TokenKind.Symbol, "%"),
                        _ => new MathToken(TokenKind.Symbol, n.ToString()),
                    });
                }
                continue;
            }
            i++;
            switch (c)
            {
                case '<' when i < s.Length && s[i] == '=': i++; tokens.Add(new MathToken(TokenKind.Command, "le")); break;
                case '>' when i < s.Length && s[i] == '=': i++; tokens.Add(new MathToken(TokenKind.Command, "ge")); break;
                case '!' when i < s.Length && s[i] == '=': i++; tokens.Add(new MathToken(TokenKind.Command, "ne")); break;
                case '=' when i < s.Length && s[i] == '=': i++; tokens.Add(new MathToken(TokenKind.Symbol, "=")); break;
                case '*' when i < s.Length && s[i] == '*': i++; tokens.Add(new MathToken(TokenKind.Symbol, "^")); break;
                default: tokens.Add(new MathToken(TokenKind.Symbol, c.ToString())); break;
            }
        }
        tokens.Add(new MathToken(TokenKind.End, ""));
        return tokens;
    }

    private static readonly Dictionary<string, string> NumberWords = new(StringComparer.Ordinal)
    {
        ["zero"] = "0", ["one"] = "1", ["two"] = "2", ["three"] = "3", ["four"] = "4", ["five"] = "5", ["six"] = "6",
        ["seven"] = "7", ["eight"] = "8", ["nine"] = "9", ["ten"] = "10", ["eleven"] = "11", ["twelve"] = "12",
        ["thirteen"] = "13", ["fourteen"] = "14", ["fifteen"] = "15", ["sixteen"] = "16", ["seventeen"] = "17",
        ["eighteen"] = "18", ["nineteen"] = "19", ["twenty"] = "20", ["thirty"] = "30", ["forty"] = "40", ["fifty"] = "50",
        ["hundred"] = "100", ["thousand"] = "1000", ["million"] = "1000000",
    };

    private static void AddWord(List<MathToken> tokens, string word)
    {
        var lower = word.ToLowerInvariant();
        if (NumberWords.TryGetValue(lower, out var digits))
        {
            tokens.Add(new MathToken(TokenKind.Number, digits));
            return;
        }
        if (FunctionWords.Contains(lower) || lower is "pi" or "infty")
        {
            tokens.Add(new MathToken(TokenKind.Command, lower));
            return;
        }
        if (lower is "inf" or "infinity") { tokens.Add(new MathToken(TokenKind.Command, "infty")); return; }
        if (lower is "and" or "or") { tokens.Add(new MathToken(TokenKind.Symbol, ",")); return; }
        if (word.Length >= 4)
        {
            tokens.Add(new MathToken(TokenKind.Word, lower));
            return;
        }
        foreach (char ch in word) tokens.Add(new MathToken(TokenKind.Identifier, ch.ToString()));
    }
}
