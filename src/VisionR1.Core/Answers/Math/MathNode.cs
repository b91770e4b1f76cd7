namespace VisionR1.Answers.Math;

/// <summary>A node of the parsed answer: numbers, symbols, operators, functions and structures.</summary>
internal abstract record MathNode;

/// <summary>
/// A literal number; <see cref="IsDecimal"/> when written with a decimal point (then compared with rounding);
/// <see cref="Places"/> is the count of digits written after the point (0 for integers and exponent forms).
/// </summary>
internal sealed record NumberNode(Rational Value, bool IsDecimal, int Places = 0) : MathNode;

/// <summary>A free variable or word (names are lower-cased: symbols compare case-insensitively).</summary>
internal sealed record SymbolNode(string Name) : MathNode;

/// <summary>The named constants.</summary>
internal enum MathConstant { Pi, E, I, Infinity }

/// <summary>π, e, i or ∞.</summary>
internal sealed record ConstantNode(MathConstant Kind) : MathNode;

/// <summary>A sum of terms.</summary>
internal sealed record SumNode(IReadOnlyList<MathNode> Terms) : MathNode;

/// <summary>A product of factors.</summary>
internal sealed record ProductNode(IReadOnlyList<MathNode> Factors) : MathNode;

/// <summary>Unary minus.</summary>
internal sealed record NegateNode(MathNode Operand) : MathNode;

/// <summary>A quotient.</summary>
internal sealed record DivideNode(MathNode Numerator, MathNode Denominator) : MathNode;

/// <summary>A power.</summary>
internal sealed record PowerNode(MathNode Base, MathNode Exponent) : MathNode;

/// <summary>A function application (sin, log, sqrt, abs, ...); <see cref="Parameter"/> is a log base or root index.</summary>
internal sealed record FunctionNode(string Name, MathNode Argument, MathNode? Parameter = null) : MathNode;

/// <summary>n!</summary>
internal sealed record FactorialNode(MathNode Operand) : MathNode;

/// <summary><c>Left ± Right</c> (Left null for a leading ±): stands for two values.</summary>
internal sealed record PlusMinusNode(MathNode? Left, MathNode Right) : MathNode;

/// <summary>x% (compared as x or x/100, see the percent rules).</summary>
internal sealed record PercentNode(MathNode Operand) : MathNode;

/// <summary>An ordered tuple; <see cref="Parenthesised"/> when written (a, b), which may also be an open interval.</summary>
internal sealed record TupleNode(IReadOnlyList<MathNode> Items, bool Parenthesised) : MathNode;

/// <summary>A set written with braces (unordered).</summary>
internal sealed record SetNode(IReadOnlyList<MathNode> Items) : MathNode;

/// <summary>A bare list of answers ("1, 2", "3 and 4"): matches a set unordered or a tuple in order.</summary>
internal sealed record ListNode(IReadOnlyList<MathNode> Items) : MathNode;

/// <summary>An interval with its ends.</summary>
internal sealed record IntervalNode(MathNode Low, MathNode High, bool LowClosed, bool HighClosed) : MathNode;

/// <summary>A union of intervals or sets.</summary>
internal sealed record UnionNode(IReadOnlyList<MathNode> Parts) : MathNode;

/// <summary>A matrix or vector (rows of cells).</summary>
internal sealed record MatrixNode(IReadOnlyList<IReadOnlyList<MathNode>> Rows) : MathNode;

/// <summary>The relation operators.</summary>
internal enum RelationOp { Equal, Less, LessEqual, Greater, GreaterEqual, NotEqual, Approx }

/// <summary>A relation or chain <c>s0 op0 s1 op1 s2 ...</c>.</summary>
internal sealed record RelationNode(IReadOnlyList<MathNode> Sides, IReadOnlyList<RelationOp> Ops) : MathNode;
