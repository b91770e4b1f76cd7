namespace VisionR1.Answers.Math;

/// <summary>
/// A recursive-descent parser for LaTeX and plain-text math answers. Precedence from loose to tight:
/// lists (<c>,</c> / and / or) → relations → unions → sums (with <c>±</c>) → products (explicit and implicit)
/// → unary signs → powers → postfix (<c>!</c>, <c>%</c>, subscripts) → atoms. Syntax errors throw
/// <see cref="FormatException"/>; nesting deeper than <see cref="MaxDepth"/> is a syntax error.
/// </summary>
internal sealed class MathParser
{
    /// <summary>The deepest nesting accepted.</summary>
    public const int MaxDepth = 240;

    private static readonly HashSet<string> Functions = new(StringComparer.Ordinal)
    {
        "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "asin", "acos", "atan", "arcsec", "arccsc",
        "arccot", "sinh", "cosh", "tanh", "log", "ln", "lg", "exp", "abs",
    };

    private static readonly HashSet<string> NonPrimaryCommands = new(StringComparer.Ordinal)
    {
        "cdot", "times", "div", "ast", "pm", "mp", "le", "leq", "leqslant", "ge", "geq", "geqslant", "ne", "neq", "lt", "gt",
        "approx", "simeq", "sim", "cong", "equiv", "cup", "cap", "in", "setminus", "to", "end", "\\", "}", "rangle", "rfloor",
        "rceil", "mid", "colon", "rvert", "Vert", "pmod", "bmod", "mod",
    };

    private static readonly HashSet<string> Decorations = new(StringComparer.Ordinal)
    {
        "overline", "vec", "hat", "bar", "tilde", "overrightarrow", "overleftrightarrow", "widehat", "widetilde", "dot",
        "ddot", "angle", "triangle", "measuredangle", "overarc", "arc", "stackrel",
    };

    private readonly List<MathToken> _t;
    private readonly ComputeBudget _budget;
    private int _p;
    private int _depth;
    private int _absDepth;

    private MathParser(List<MathToken> tokens, ComputeBudget budget)
    {
        _t = tokens;
        _budget = budget;
    }

    /// <summary>Parses a normalised answer.</summary>
    public static MathNode Parse(string normalized, ComputeBudget budget)
    {
        var tokens = MathLexer.Tokenize(normalized, budget);
        FlattenTextEnvironments(tokens);
        var parser = new MathParser(tokens, budget);
        // "= 5", "≈ 3.14": a leading relation sign states the value that follows.
        if (tokens.Count > 1 && RelOp(tokens[0]) is RelationOp.Equal or RelationOp.Approx) parser._p = 1;
        if (parser.Peek.Kind == TokenKind.End) throw new FormatException("empty answer");
        var node = parser.ParseList();
        if (parser.Peek.Kind != TokenKind.End) throw new FormatException($"unexpected '{parser.Peek.Text}'");
        return node;
    }

    private MathToken Peek => _t[_p];
    private MathToken PeekAt(int k) => _p + k < _t.Count ? _t[_p + k] : _t[^1];
    private MathToken Next() => _t[_p].Kind == TokenKind.End ? _t[_p] : _t[_p++];

    private void Expect(char c)
    {
        if (!Peek.Is(c)) throw new FormatException($"expected '{c}'");
        _p++;
    }

    private void Enter()
    {
        _budget.Tick();
        if (++_depth > MaxDepth) throw new FormatException("nesting too deep");
    }

    private void Leave() => _depth--;

    private List<MathNode> ParseItems()
    {
        var items = new List<MathNode> { ParseRelation() };
        while (Peek.Is(',') || Peek.Is(';'))
        {
            _p++;
            // "19, 46, and 82": the word "and" after a comma leaves an empty item.
            while (Peek.Is(',') || Peek.Is(';')) _p++;
            if (IsCloser(Peek)) break;
            items.Add(ParseRelation());
        }
        return items;
    }

    private static bool IsCloser(MathToken t) =>
        t.Kind == TokenKind.End || t.Is(')') || t.Is(']') || t.Is('}') || t.IsCommand("}") || t.IsCommand("rangle");

    private MathNode ParseList()
    {
        var items = ParseItems();
        return items.Count == 1 ? items[0] : new ListNode(items);
    }

    private static RelationOp? RelOp(MathToken t)
    {
        if (t.Kind == TokenKind.Symbol)
            return t.Text switch { "=" => RelationOp.Equal, "<" => RelationOp.Less, ">" => RelationOp.Greater, _ => null };
        if (t.Kind != TokenKind.Command) return null;
        return t.Text switch
        {
            "le" or "leq" or "leqslant" => RelationOp.LessEqual,
            "ge" or "geq" or "geqslant" => RelationOp.GreaterEqual,
            "ne" or "neq" => RelationOp.NotEqual,
            "lt" => RelationOp.Less,
            "gt" => RelationOp.Greater,
            "approx" or "simeq" or "sim" or "cong" or "equiv" => RelationOp.Approx,
            _ => null,
        };
    }

    private MathNode ParseRelation()
    {
        Enter();
        var first = ParseUnion();
        if (Peek.IsCommand("in"))
        {
            // "x \in S" answers S.
            _p++;
            var set = ParseUnion();
            Leave();
            return set;
        }
        var sides = new List<MathNode> { first };
        var ops = new List<RelationOp>();
        while (RelOp(Peek) is { } op)
        {
            _p++;
            ops.Add(op);
            sides.Add(ParseUnion());
        }
        Leave();
        return ops.Count == 0 ? first : new RelationNode(sides, ops);
    }

    private MathNode ParseUnion()
    {
        Enter();
        var first = ParseAdditive();
        if (!Peek.IsCommand("cup"))
        {
            Leave();
            return first;
        }
        var parts = new List<MathNode> { first };
        while (Peek.IsCommand("cup"))
        {
            _p++;
            parts.Add(ParseAdditive());
        }
        Leave();
        return new UnionNode(parts);
    }

    private MathNode ParseAdditive()
    {
        Enter();
        var terms = new List<MathNode> { ParseTerm() };
        while (true)
        {
            if (Peek.Is('+')) { _p++; terms.Add(ParseTerm()); }
            else if (Peek.Is('-')) { _p++; terms.Add(new NegateNode(ParseTerm())); }
            else if (Peek.IsCommand("pm") || Peek.IsCommand("mp"))
            {
                _p++;
                var left = terms.Count == 1 ? terms[0] : new SumNode(terms);
                var right = ParseAdditive();
                Leave();
                return new PlusMinusNode(left, right);
            }
            else break;
        }
        Leave();
        return terms.Count == 1 ? terms[0] : new SumNode(terms);
    }

    private MathNode ParseTerm()
    {
        Enter();
        var acc = ParseUnary();
        while (true)
        {
            var t = Peek;
            if (t.Is('*') || t.IsCommand("cdot") || t.IsCommand("times") || t.IsCommand("ast"))
            {
                _p++;
                acc = Multiply(acc, ParseUnary());
            }
            else if (t.Is('/') || t.IsCommand("div") || t.Is(':'))
            {
                // a:b, a ratio, is the quotient a/b.
                _p++;
                acc = new DivideNode(acc, ParseUnary());
            }
            else if (PlainMixedNumber(acc) is { } mixed)
            {
                acc = mixed;
            }
            else if (StartsPrimary(t))
            {
                var next = ParsePower();
                acc = MixedNumber(acc, next, t) ?? Multiply(acc, next);
            }
            else break;
        }
        Leave();
        return acc;
    }

    /// <summary>"4 4/9" is 4⁴⁄₉ (40/9): an integer followed by integer/integer.</summary>
    private MathNode? PlainMixedNumber(MathNode acc)
    {
        bool negative = acc is NegateNode;
        if ((negative ? ((NegateNode)acc).Operand : acc) is not NumberNode { IsDecimal: false } whole) return null;
        if (Peek.Kind != TokenKind.Number || !PeekAt(1).Is('/') || PeekAt(2).Kind != TokenKind.Number) return null;
        if (Peek.Text.Contains('.') || PeekAt(2).Text.Contains('.') || PeekAt(3).Is('^') || PeekAt(3).Is('.')) return null;
        var num = MakeNumber(Next().Text);
        _p++;
        var den = MakeNumber(Next().Text);
        MathNode sum = new SumNode([whole, new DivideNode(num, den)]);
        return negative ? new NegateNode(sum) : sum;
    }

    /// <summary>2\frac12 is 2½: an integer directly followed by a numeric \frac is a mixed number.</summary>
    private static MathNode? MixedNumber(MathNode acc, MathNode next, MathToken start)
    {
        if (!start.IsCommand("frac") || next is not DivideNode { Numerator: NumberNode { IsDecimal: false }, Denominator: NumberNode { IsDecimal: false } })
            return null;
        return acc switch
        {
            NumberNode { IsDecimal: false, Value.IsInteger: true } n => new SumNode([n, next]),
            NegateNode { Operand: NumberNode { IsDecimal: false, Value.IsInteger: true } n } => new NegateNode(new SumNode([n, next])),
            _ => null,
        };
    }

    private static MathNode Multiply(MathNode a, MathNode b)
    {
        if (a is ProductNode p) return new ProductNode([.. p.Factors, b]);
        return new ProductNode([a, b]);
    }

    private bool StartsPrimary(MathToken t)
    {
        switch (t.Kind)
        {
            case TokenKind.Number or TokenKind.Identifier or TokenKind.Word:
                return true;
            case TokenKind.Symbol:
                return t.Text switch { "(" or "{" => true, "|" => _absDepth == 0, _ => false };
            case TokenKind.Command:
                if (t.Text is "vert" or "lvert") return _absDepth == 0;
                if (t.Text is "{" or "langle") return false;
                return !NonPrimaryCommands.Contains(t.Text) && RelOp(t) is null;
            default:
                return false;
        }
    }

    private MathNode ParseUnary()
    {
        Enter();
        MathNode r;
        if (Peek.Is('-')) { _p++; r = new NegateNode(ParseUnary()); }
        else if (Peek.Is('+')) { _p++; r = ParseUnary(); }
        else if (Peek.IsCommand("pm") || Peek.IsCommand("mp")) { _p++; r = new PlusMinusNode(null, ParseUnary()); }
        else r = ParsePower();
        Leave();
        return r;
    }

    private MathNode ParsePower()
    {
        Enter();
        var b = ParsePostfix();
        if (Peek.Is('^'))
        {
            _p++;
            var e = ParseExponent();
            b = new PowerNode(b, e);
            b = ParsePostfixOps(b);
        }
        Leave();
        return b;
    }

    private MathNode ParseExponent()
    {
        Enter();
        MathNode e;
        if (Peek.Is('-')) { _p++; e = new NegateNode(ParseExponent()); }
        else if (Peek.Is('+')) { _p++; e = ParseExponent(); }
        else
        {
            e = ParsePostfix();
            if (Peek.Is('^')) { _p++; e = new PowerNode(e, ParseExponent()); }
        }
        Leave();
        return e;
    }

    private MathNode ParsePostfix() => ParsePostfixOps(ParsePrimary());

    private MathNode ParsePostfixOps(MathNode node)
    {
        while (true)
        {
            _budget.Tick();
            if (Peek.Is('!')) { _p++; node = new FactorialNode(node); }
            else if (Peek.Is('%')) { _p++; node = new PercentNode(node); }
            else if (Peek.Is('\'')) { _p++; node = node is SymbolNode s ? new SymbolNode(s.Name + "'") : node; }
            else if (Peek.Is('_'))
            {
                _p++;
                int start = _p;
                var sub = ParseArg();
                string key = TokenText(start, _p);
                node = node switch
                {
                    SymbolNode s => new SymbolNode(s.Name + "_" + key),
                    NumberNode { IsDecimal: false } n when sub is NumberNode { IsDecimal: false } bn => FromBase(n, bn),
                    _ => node,
                };
            }
            else return node;
        }
    }

    /// <summary>204_5: digits in base 5 (an invalid digit makes it a symbol that matches only itself).</summary>
    private static MathNode FromBase(NumberNode digits, NumberNode baseNode)
    {
        var text = digits.Value.Num.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!baseNode.Value.IsInteger || baseNode.Value.Num < 2 || baseNode.Value.Num > 36) return new SymbolNode(text + "_" + baseNode.Value);
        int b = (int)baseNode.Value.Num;
        System.Numerics.BigInteger v = 0;
        foreach (char c in text)
        {
            int d = c - '0';
            if (d >= b) return new SymbolNode(text + "_" + b);
            v = v * b + d;
        }
        return new NumberNode(new Rational(v, 1), false);
    }

    private string TokenText(int from, int to)
    {
        if (to - from == 1) return _t[from].Text.ToLowerInvariant();
        var parts = new string[to - from];
        for (int i = from; i < to; i++) parts[i - from] = _t[i].Text;
        return string.Join("", parts).ToLowerInvariant();
    }

    /// <summary>A LaTeX argument: a braced group, one digit of a number (\frac12), or one atom.</summary>
    private MathNode ParseArg()
    {
        Enter();
        MathNode r;
        var t = Peek;
        if (t.Is('{'))
        {
            _p++;
            if (Peek.Is('}')) throw new FormatException("empty group");
            r = ParseList();
            Expect('}');
        }
        else if (t.Kind == TokenKind.Number && t.Text.Length > 1 && char.IsAsciiDigit(t.Text[0]) && char.IsAsciiDigit(t.Text[1]))
        {
            _t[_p] = new MathToken(TokenKind.Number, t.Text[1..]);
            r = MakeNumber(t.Text[..1]);
        }
        else r = ParsePrimary();
        Leave();
        return r;
    }

    private static NumberNode MakeNumber(string text)
    {
        if (!Rational.TryParseDecimal(text, out var v, out int places)) throw new FormatException($"bad number '{text}'");
        bool exponent = text.Contains('e') || text.Contains('E');
        return new NumberNode(v, text.Contains('.') || exponent, exponent ? 0 : places);
    }

    private MathNode ParsePrimary()
    {
        Enter();
        var r = ParsePrimaryCore();
        Leave();
        return r;
    }

    private MathNode ParsePrimaryCore()
    {
        var t = Next();
        switch (t.Kind)
        {
            case TokenKind.Number:
                return MakeNumber(t.Text);
            case TokenKind.Identifier:
                // Lower-case e and i are Euler's number and the imaginary unit; other letters are variables.
                return t.Text switch
                {
                    "e" => new ConstantNode(MathConstant.E),
                    "i" => new ConstantNode(MathConstant.I),
                    _ => new SymbolNode(t.Text.ToLowerInvariant()),
                };
            case TokenKind.Word:
                return new SymbolNode(t.Text);
            case TokenKind.Symbol:
                switch (t.Text)
                {
                    case "(": return ParseBracketed('(');
                    case "[": return ParseBracketed('[');
                    case "{":
                    {
                        if (Peek.Is('}')) { _p++; return new ListNode([]); }
                        var inner = ParseList();
                        Expect('}');
                        return inner;
                    }
                    case "|":
                    {
                        _absDepth++;
                        var inner = ParseAdditive();
                        _absDepth--;
                        Expect('|');
                        return new FunctionNode("abs", inner);
                    }
                }
                throw new FormatException($"unexpected '{t.Text}'");
            case TokenKind.Command:
                return ParseCommand(t.Text);
            default:
                throw new FormatException("unexpected end");
        }
    }

    private MathNode ParseCommand(string name)
    {
        switch (name)
        {
            case "frac":
            {
                var num = ParseArg();
                var den = ParseArg();
                return new DivideNode(num, den);
            }
            case "binom" or "dbinom" or "tbinom" or "choose":
            {
                var n = ParseArg();
                var k = ParseArg();
                return new FunctionNode("binom", n, k);
            }
            case "sqrt":
            {
                MathNode? index = null;
                if (Peek.Is('['))
                {
                    _p++;
                    index = ParseAdditive();
                    Expect(']');
                }
                return new FunctionNode("sqrt", ParseArg(), index);
            }
            case "pi": return new ConstantNode(MathConstant.Pi);
            case "infty": return new ConstantNode(MathConstant.Infinity);
            case "emptyset" or "varnothing": return new SetNode([]);
            case "{":
            {
                if (Peek.IsCommand("}")) { _p++; return new SetNode([]); }
                var items = ParseItems();
                if (!Peek.IsCommand("}")) throw new FormatException("expected '\\}'");
                _p++;
                return new SetNode(items);
            }
            case "langle":
            {
                var items = ParseItems();
                if (!Peek.IsCommand("rangle") && !Peek.Is('>')) throw new FormatException("expected '\\rangle'");
                _p++;
                return items.Count == 1 ? items[0] : new TupleNode(items, true);
            }
            case "vert" or "lvert":
            {
                _absDepth++;
                var inner = ParseAdditive();
                _absDepth--;
                if (!Peek.IsCommand("vert") && !Peek.IsCommand("rvert") && !Peek.Is('|')) throw new FormatException("expected '|'");
                _p++;
                return new FunctionNode("abs", inner);
            }
            case "lfloor" or "lceil":
            {
                var inner = ParseAdditive();
                string close = name == "lfloor" ? "rfloor" : "rceil";
                if (!Peek.IsCommand(close)) throw new FormatException($"expected '\\{close}'");
                _p++;
                return new FunctionNode(name == "lfloor" ? "floor" : "ceil", inner);
            }
            case "begin": return ParseEnvironment();
        }
        if (Functions.Contains(name)) return ParseFunction(name);
        if (Decorations.Contains(name))
        {
            int start = _p;
            if (Peek.Kind != TokenKind.End) ParseArg();
            return new SymbolNode(name + ":" + TokenText(start, _p));
        }
        if (NonPrimaryCommands.Contains(name) || RelOp(new MathToken(TokenKind.Command, name)) is not null)
            throw new FormatException($"unexpected '\\{name}'");
        // Greek letters and any other command name: a symbol.
        return new SymbolNode(name);
    }

    private MathNode ParseFunction(string name)
    {
        if (name == "lg") name = "log10";
        MathNode? power = null;
        MathNode? baseNode = null;
        for (int k = 0; k < 2; k++)
        {
            if (Peek.Is('^') && power is null) { _p++; power = ParseExponent(); }
            else if (Peek.Is('_') && baseNode is null) { _p++; baseNode = ParseArg(); }
        }
        MathNode arg;
        if (Peek.Is('('))
        {
            _p++;
            arg = ParseList();
            if (!Peek.Is(')')) throw new FormatException("expected ')'");
            _p++;
        }
        else if (Peek.Is('{'))
        {
            arg = ParseArg();
        }
        else
        {
            if (!StartsPrimary(Peek)) throw new FormatException($"'{name}' needs an argument");
            arg = ParsePower();
            while (StartsPrimary(Peek) && !(Peek.Kind == TokenKind.Command && Functions.Contains(Peek.Text)))
                arg = Multiply(arg, ParsePower());
        }
        // sin^{-1} is arcsin.
        if (power is NegateNode { Operand: NumberNode { Value.IsInteger: true } one } && one.Value.Num.IsOne
            && name is "sin" or "cos" or "tan" or "sec" or "csc" or "cot")
            return new FunctionNode("arc" + name, arg);
        MathNode f = name == "log" && baseNode is not null ? new FunctionNode("log", arg, baseNode) : new FunctionNode(name, arg);
        return power is null ? f : new PowerNode(f, power);
    }

    private MathNode ParseBracketed(char open)
    {
        if (Peek.Is(')') || Peek.Is(']')) { _p++; return new TupleNode([], true); }
        if (open == '[' && Peek.Is('[') && TryNestedRows() is { } matrix) return matrix;
        var items = ParseItems();
        char close = Peek.Is(')') ? ')' : Peek.Is(']') ? ']' : throw new FormatException($"unclosed '{open}'");
        _p++;
        if (items.Count == 1) return items[0];
        if (items.Count == 2 && !(open == '(' && close == ')'))
            return new IntervalNode(items[0], items[1], open == '[', close == ']');
        return new TupleNode(items, open == '(' && close == ')');
    }

    /// <summary>
    /// <c>[[1, 2], [3, 4]]</c>, rows written as nested brackets (Python/NumPy style), after the outer '[':
    /// a matrix when every row is bracketed and the rows have one length; otherwise the position is restored
    /// and null returned.
    /// </summary>
    private MatrixNode? TryNestedRows()
    {
        int start = _p, depth = _depth;
        try
        {
            var rows = new List<IReadOnlyList<MathNode>>();
            while (true)
            {
                Enter();
                Expect('[');
                var row = ParseItems();
                Expect(']');
                Leave();
                rows.Add(row);
                if (Peek.Is(',') || Peek.Is(';')) { _p++; continue; }
                if (Peek.Is(']')) { _p++; break; }
                throw new FormatException("not a row");
            }
            if (rows.Any(r => r.Count != rows[0].Count)) throw new FormatException("ragged rows");
            return new MatrixNode(rows);
        }
        catch (FormatException)
        {
            _p = start;
            _depth = depth;
            return null;
        }
    }

    private string ReadEnvironmentName()
    {
        Expect('{');
        var parts = new List<string>();
        while (!Peek.Is('}') && Peek.Kind != TokenKind.End)
        {
            parts.Add(Next().Text);
            _budget.Tick();
        }
        Expect('}');
        return string.Concat(parts).Replace("*", "", StringComparison.Ordinal);
    }

    private MathNode ParseEnvironment()
    {
        var env = ReadEnvironmentName();
        if (env == "array" && Peek.Is('{'))
        {
            // Skip the column specification {cc|c}.
            int depth = 0;
            do
            {
                if (Peek.Is('{')) depth++;
                else if (Peek.Is('}')) depth--;
                Next();
                _budget.Tick();
            } while (depth > 0 && Peek.Kind != TokenKind.End);
        }
        var rows = new List<IReadOnlyList<MathNode>>();
        var row = new List<MathNode>();
        while (true)
        {
            _budget.Tick();
            if (Peek.IsCommand("end"))
            {
                _p++;
                ReadEnvironmentName();
                if (row.Count > 0) rows.Add(row);
                break;
            }
            if (Peek.Kind == TokenKind.End) throw new FormatException($"unterminated \\begin{{{env}}}");
            if (Peek.Is('&')) { _p++; if (row.Count == 0) row.Add(new ListNode([])); continue; }
            if (Peek.IsCommand("\\")) { _p++; if (row.Count > 0) rows.Add(row); row = []; continue; }
            row.Add(ParseList());
            if (!Peek.Is('&') && !Peek.IsCommand("\\") && !Peek.IsCommand("end")) throw new FormatException("bad matrix cell");
        }
        if (rows.Count == 0) throw new FormatException("empty matrix");
        return new MatrixNode(rows);
    }

    /// <summary>
    /// Alignment environments (align, aligned, cases, gather, ...) hold text, not matrices: drop their
    /// <c>\begin</c>/<c>\end</c>, alignment marks and row breaks so the content parses as a list.
    /// </summary>
    private static void FlattenTextEnvironments(List<MathToken> t)
    {
        for (int i = 0; i + 3 < t.Count; i++)
        {
            if (!(t[i].IsCommand("begin") || t[i].IsCommand("end")) || !t[i + 1].Is('{')) continue;
            int j = i + 2;
            var name = "";
            while (j < t.Count && !t[j].Is('}') && t[j].Kind != TokenKind.End) name += t[j++].Text;
            if (name.Contains("matrix", StringComparison.Ordinal) || name.StartsWith("array", StringComparison.Ordinal) || j >= t.Count) continue;
            t.RemoveRange(i, j - i + 1);
            i--;
        }
        bool anyMatrix = t.Exists(x => x.IsCommand("begin"));
        if (anyMatrix) return;
        for (int i = t.Count - 1; i >= 0; i--)
        {
            if (t[i].Is('&')) t.RemoveAt(i);
            else if (t[i].IsCommand("\\")) t[i] = new MathToken(TokenKind.Symbol, ",");
        }
    }
}
