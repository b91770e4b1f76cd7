using System.Numerics;

namespace VisionR1.Answers.Math;

/// <summary>
/// Evaluates scalar expressions: exactly over BigInteger rationals where only rational arithmetic is
/// involved (sizes capped by <see cref="Rational.MaxBits"/>), and numerically over complex doubles
/// otherwise. An undefined value (division by zero, overflow) is NaN; a structure (tuple, set, matrix,
/// relation) is not a scalar and throws <see cref="FormatException"/>.
/// </summary>
internal static class MathEvaluator
{
    /// <summary>An undefined value.</summary>
    public static readonly Complex Undefined = new(double.NaN, double.NaN);

    public static bool IsDefined(Complex z) => double.IsFinite(z.Real) && double.IsFinite(z.Imaginary);

    /// <summary>The exact rational value of a number-only expression, or false.</summary>
    public static bool TryExact(MathNode node, ComputeBudget budget, out Rational value)
    {
        budget.Tick();
        value = Rational.Zero;
        switch (node)
        {
            case NumberNode n:
                value = n.Value;
                return true;
            case NegateNode neg:
                if (!TryExact(neg.Operand, budget, out var v)) return false;
                value = -v;
                return true;
            case SumNode s:
                return TryFold(s.Terms, Rational.Zero, static (a, b) => a + b, budget, out value);
            case ProductNode p:
                return TryFold(p.Factors, Rational.One, static (a, b) => a * b, budget, out value);
            case DivideNode d:
            {
                if (!TryExact(d.Numerator, budget, out var a) || !TryExact(d.Denominator, budget, out var b) || b.IsZero) return false;
                value = a / b;
                return value.Bits <= Rational.MaxBits;
            }
            case PowerNode pw:
                return TryExactPower(pw, budget, out value);
            case FunctionNode { Name: "sqrt" } f:
                return TryExactRoot(f, budget, out value);
            case FunctionNode { Name: "abs" } f:
                if (!TryExact(f.Argument, budget, out var av)) return false;
                value = av.Sign < 0 ? -av : av;
                return true;
            case FactorialNode fact:
                return TryExactFactorial(fact, budget, out value);
            case PercentNode pc:
                if (!TryExact(pc.Operand, budget, out var pv)) return false;
                value = pv / Rational.FromInt(100);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The terms folded with <paramref name="combine"/> from <paramref name="seed"/>; false when one is not exact or the value grows past <see cref="Rational.MaxBits"/>.</summary>
    private static bool TryFold(IEnumerable<MathNode> terms, Rational seed, Func<Rational, Rational, Rational> combine, ComputeBudget budget, out Rational value)
    {
        value = Rational.Zero;
        var acc = seed;
        foreach (var t in terms)
        {
            if (!TryExact(t, budget, out var tv)) return false;
            acc = combine(acc, tv);
            if (acc.Bits > Rational.MaxBits) return false;
        }
        value = acc;
        return true;
    }

    private static bool TryExactPower(PowerNode pw, ComputeBudget budget, out Rational value)
    {
        value = Rational.Zero;
        if (!TryExact(pw.Exponent, budget, out var e) || !TryExact(pw.Base, budget, out var b)) return false;
        if (e.IsInteger) return b.TryPow(e.Num, out value);
        // Rational exponent of a perfect power: 8^{2/3} = 4.
        if (e.Den > 12 || b.Sign < 0) return false;
        if (!TryRoot(b, (int)e.Den, out var root)) return false;
        return root.TryPow(e.Num, out value);
    }

    /// <summary>\sqrt{a} or \sqrt[k]{a} (k from 2 to 12) of a rational with an exact root.</summary>
    private static bool TryExactRoot(FunctionNode f, ComputeBudget budget, out Rational value)
    {
        value = Rational.Zero;
        if (!TryExact(f.Argument, budget, out var a) || a.Sign < 0) return false;
        int k = 2;
        if (f.Parameter is not null)
        {
            if (!TryExact(f.Parameter, budget, out var idx) || !idx.IsInteger || idx.Num < 2 || idx.Num > 12) return false;
            k = (int)idx.Num;
        }
        return TryRoot(a, k, out value);
    }

    /// <summary>n! for an integer n from 0 to 300.</summary>
    private static bool TryExactFactorial(FactorialNode fact, ComputeBudget budget, out Rational value)
    {
        value = Rational.Zero;
        if (!TryExact(fact.Operand, budget, out var fv) || !fv.IsInteger || fv.Sign < 0 || fv.Num > 300) return false;
        BigInteger r = 1;
        for (int i = 2; i <= (int)fv.Num; i++) r *= i;
        value = new Rational(r, 1);
        return true;
    }

    private static bool TryRoot(Rational a, int k, out Rational root)
    {
        root = Rational.Zero;
        if (a.Sign < 0 || a.Bits > 2000) return false;
        if (!TryIntRoot(a.Num, k, out var n) || !TryIntRoot(a.Den, k, out var d)) return false;
        root = new Rational(n, d);
        return true;
    }

    private static bool TryIntRoot(BigInteger x, int k, out BigInteger r)
    {
        r = BigInteger.Zero;
        if (x.IsZero) return true;
        double approx = System.Math.Pow((double)x, 1.0 / k);
        if (!double.IsFinite(approx)) return false;
        var guess = new BigInteger(System.Math.Round(approx));
        for (var c = guess - 1; c <= guess + 1; c++)
        {
            if (c.Sign > 0 && BigInteger.Pow(c, k) == x) { r = c; return true; }
        }
        return false;
    }

    /// <summary>The numeric value at the given variable values (NaN when undefined).</summary>
    public static Complex Eval(MathNode node, IReadOnlyDictionary<string, Complex> env, ComputeBudget budget)
    {
        budget.Tick();
        switch (node)
        {
            case NumberNode n:
                return new Complex(n.Value.ToDouble(), 0);
            case SymbolNode s:
                return env.TryGetValue(s.Name, out var v) ? v : Undefined;
            case ConstantNode c:
                return c.Kind switch
                {
                    MathConstant.Pi => new Complex(System.Math.PI, 0),
                    MathConstant.E => new Complex(System.Math.E, 0),
                    MathConstant.I => Complex.ImaginaryOne,
                    _ => new Complex(double.PositiveInfinity, 0),
                };
            case NegateNode neg:
                return -Eval(neg.Operand, env, budget);
            case SumNode sum:
            {
                Complex acc = Complex.Zero;
                foreach (var t in sum.Terms) acc += Eval(t, env, budget);
                return acc;
            }
            case ProductNode p:
            {
                Complex acc = Complex.One;
                foreach (var f in p.Factors) acc *= Eval(f, env, budget);
                return acc;
            }
            case DivideNode d:
            {
                var den = Eval(d.Denominator, env, budget);
                if (den == Complex.Zero) return Undefined;
                return Eval(d.Numerator, env, budget) / den;
            }
            case PowerNode pw:
                return Power(pw, env, budget);
            case FunctionNode f:
                return Function(f, env, budget);
            case FactorialNode fact:
            {
                var x = Eval(fact.Operand, env, budget);
                if (!IsReal(x) || x.Real < 0 || x.Real > 170 || System.Math.Abs(x.Real - System.Math.Round(x.Real)) > 1e-9) return Undefined;
                double r = 1;
                for (int i = 2; i <= (int)System.Math.Round(x.Real); i++) r *= i;
                return new Complex(r, 0);
            }
            case PercentNode pc:
                return Eval(pc.Operand, env, budget) / 100.0;
            default:
                throw new FormatException("not a scalar expression");
        }
    }

    private static bool IsReal(Complex z) => System.Math.Abs(z.Imaginary) <= 1e-12 * System.Math.Max(1, System.Math.Abs(z.Real));

    private static Complex Power(PowerNode pw, IReadOnlyDictionary<string, Complex> env, ComputeBudget budget)
    {
        var b = Eval(pw.Base, env, budget);
        // An exponent known exactly allows integer powers and real odd roots of negative numbers.
        if (TryExact(pw.Exponent, budget, out var e))
        {
            if (e.IsInteger && BigInteger.Abs(e.Num) <= 4096)
            {
                int n = (int)e.Num;
                if (n < 0 && b == Complex.Zero) return Undefined;
                return IntPow(b, n);
            }
            if (IsReal(b) && b.Real < 0 && !e.Den.IsEven && e.Den < 1_000_000)
            {
                double mag = System.Math.Pow(-b.Real, e.ToDouble());
                return new Complex(e.Num.IsEven ? mag : -mag, 0);
            }
        }
        var x = Eval(pw.Exponent, env, budget);
        if (IsReal(b) && b.Real > 0 && IsReal(x)) return new Complex(System.Math.Pow(b.Real, x.Real), 0);
        if (b == Complex.Zero) return IsReal(x) && x.Real > 0 ? Complex.Zero : Undefined;
        return Complex.Pow(b, x);
    }

    private static Complex IntPow(Complex b, int n)
    {
        bool inv = n < 0;
        int k = System.Math.Abs(n);
        Complex result = Complex.One, p = b;
        while (k > 0)
        {
            if ((k & 1) == 1) result *= p;
            p *= p;
            k >>= 1;
        }
        return inv ? Complex.One / result : result;
    }

    private static Complex Function(FunctionNode f, IReadOnlyDictionary<string, Complex> env, ComputeBudget budget)
    {
        if (f.Name == "binom")
        {
            var nn = Eval(f.Argument, env, budget);
            var kk = Eval(f.Parameter!, env, budget);
            if (!IsReal(nn) || !IsReal(kk)) return Undefined;
            double n = nn.Real, k = System.Math.Round(kk.Real);
            if (k < 0 || k > 1000) return k < 0 ? Complex.Zero : Undefined;
            double r = 1;
            for (int i = 1; i <= (int)k; i++) r = r * (n - k + i) / i;
            return new Complex(r, 0);
        }
        var x = Eval(f.Argument, env, budget);
        switch (f.Name)
        {
            case "sqrt":
                if (f.Parameter is null)
                    return IsReal(x) && x.Real >= 0 ? new Complex(System.Math.Sqrt(x.Real), 0) : Complex.Sqrt(x);
                var idx = Eval(f.Parameter, env, budget);
                if (!IsReal(idx) || idx.Real == 0) return Undefined;
                if (IsReal(x))
                {
                    double k = idx.Real;
                    bool oddInt = System.Math.Abs(k - System.Math.Round(k)) < 1e-12 && ((long)System.Math.Round(k) & 1) == 1;
                    if (x.Real >= 0) return new Complex(System.Math.Pow(x.Real, 1 / k), 0);
                    if (oddInt) return new Complex(-System.Math.Pow(-x.Real, 1 / k), 0);
                }
                return Complex.Pow(x, 1 / idx);
            case "sin": return Complex.Sin(x);
            case "cos": return Complex.Cos(x);
            case "tan": return Complex.Tan(x);
            case "sec": return Complex.One / Complex.Cos(x);
            case "csc": return Complex.One / Complex.Sin(x);
            case "cot": return Complex.Cos(x) / Complex.Sin(x);
            case "arcsin" or "asin": return Complex.Asin(x);
            case "arccos" or "acos": return Complex.Acos(x);
            case "arctan" or "atan": return Complex.Atan(x);
            case "arcsec": return Complex.Acos(Complex.One / x);
            case "arccsc": return Complex.Asin(Complex.One / x);
            case "arccot": return Complex.Atan(Complex.One / x);
            case "sinh": return Complex.Sinh(x);
            case "cosh": return Complex.Cosh(x);
            case "tanh": return Complex.Tanh(x);
            case "exp": return Complex.Exp(x);
            case "ln": return x == Complex.Zero ? Undefined : Complex.Log(x);
            case "log10": return x == Complex.Zero ? Undefined : Complex.Log10(x);
            case "log":
            {
                if (x == Complex.Zero) return Undefined;
                if (f.Parameter is null) return Complex.Log(x);
                var bs = Eval(f.Parameter, env, budget);
                var lb = Complex.Log(bs);
                return lb == Complex.Zero ? Undefined : Complex.Log(x) / lb;
            }
            case "abs": return new Complex(Complex.Abs(x), 0);
            case "floor": return IsReal(x) ? new Complex(System.Math.Floor(x.Real + 1e-12), 0) : Undefined;
            case "ceil": return IsReal(x) ? new Complex(System.Math.Ceiling(x.Real - 1e-12), 0) : Undefined;
            default: return Undefined;
        }
    }
}
