using System.Globalization;
using System.Numerics;

namespace VisionR1.Answers.Math;

/// <summary>An exact rational number with a positive, reduced denominator.</summary>
internal readonly struct Rational : IEquatable<Rational>
{
    /// <summary>The largest bit length an exact intermediate may reach before the exact path gives up.</summary>
    public const int MaxBits = 4096;

    public BigInteger Num { get; }
    public BigInteger Den { get; }

    public Rational(BigInteger num, BigInteger den)
    {
        if (den.IsZero) throw new DivideByZeroException();
        if (den.Sign < 0) { num = -num; den = -den; }
        var g = BigInteger.GreatestCommonDivisor(num, den);
        if (!g.IsOne && !g.IsZero) { num /= g; den /= g; }
        Num = num;
        Den = den.IsZero ? BigInteger.One : den;
    }

    public static Rational FromInt(long v) => new(v, BigInteger.One);
    public static readonly Rational Zero = new(BigInteger.Zero, BigInteger.One);
    public static readonly Rational One = new(BigInteger.One, BigInteger.One);

    public bool IsZero => Num.IsZero;
    public bool IsInteger => Den.IsOne;
    public int Sign => Num.Sign;
    public long Bits => (long)Num.GetBitLength() + (long)Den.GetBitLength();

    public static Rational operator +(Rational a, Rational b) => new(a.Num * b.Den + b.Num * a.Den, a.Den * b.Den);
    public static Rational operator -(Rational a, Rational b) => new(a.Num * b.Den - b.Num * a.Den, a.Den * b.Den);
    public static Rational operator *(Rational a, Rational b) => new(a.Num * b.Num, a.Den * b.Den);
    public static Rational operator /(Rational a, Rational b) => new(a.Num * b.Den, a.Den * b.Num);
    public static Rational operator -(Rational a) => new(-a.Num, a.Den);

    /// <summary>Integer power, or false when the result would be too large to keep exactly.</summary>
    public bool TryPow(BigInteger exponent, out Rational result)
    {
        result = Zero;
        if (exponent.IsZero) { result = One; return true; }
        if (Num.IsZero) { if (exponent.Sign < 0) return false; result = Zero; return true; }
        if (BigInteger.Abs(exponent) > 100_000) return false;
        int e = (int)BigInteger.Abs(exponent);
        if ((long)e * System.Math.Max(Num.GetBitLength(), Den.GetBitLength()) > MaxBits) return false;
        var n = BigInteger.Pow(Num, e);
        var d = BigInteger.Pow(Den, e);
        result = exponent.Sign > 0 ? new Rational(n, d) : new Rational(d, n);
        return true;
    }

    public double ToDouble()
    {
        double n = (double)Num, d = (double)Den;
        if (!double.IsInfinity(n) && !double.IsInfinity(d)) return n / d;
        // Scale both down to keep the quotient finite.
        long shift = System.Math.Max(Num.GetBitLength(), Den.GetBitLength()) - 1000;
        if (shift <= 0) return n / d;
        var ns = BigInteger.Abs(Num) >> (int)shift;
        var ds = Den >> (int)shift;
        double q = ds.IsZero ? double.PositiveInfinity : (double)ns / (double)ds;
        return Num.Sign < 0 ? -q : q;
    }

    /// <summary>Parses digits with an optional decimal point and exponent ("12", "1.25", "3e-4").</summary>
    public static bool TryParseDecimal(ReadOnlySpan<char> s, out Rational value, out int decimals)
    {
        value = Zero;
        decimals = 0;
        if (s.IsEmpty || s.Length > 400) return false;
        int i = 0;
        bool neg = false;
        if (s[0] is '-' or '+') { neg = s[0] == '-'; i++; }
        BigInteger mant = BigInteger.Zero;
        bool any = false, dot = false;
        int frac = 0;
        long acc = 0;
        int accDigits = 0;
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (c is >= '0' and <= '9')
            {
                acc = acc * 10 + (c - '0');
                accDigits++;
                if (accDigits == 18) { mant = mant * BigInteger.Pow(10, 18) + acc; acc = 0; accDigits = 0; }
                any = true;
                if (dot) frac++;
            }
            else if (c == '.' && !dot) dot = true;
            else break;
        }
        if (accDigits > 0) mant = mant * BigInteger.Pow(10, accDigits) + acc;
        if (!any) return false;
        int exp = 0;
        if (i < s.Length)
        {
            if (s[i] is not ('e' or 'E')) return false;
            i++;
            if (!int.TryParse(s[i..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exp) || System.Math.Abs(exp) > 400) return false;
        }
        decimals = dot ? frac : 0;
        int e10 = exp - frac;
        var v = e10 >= 0 ? new Rational(mant * BigInteger.Pow(10, e10), BigInteger.One) : new Rational(mant, BigInteger.Pow(10, -e10));
        value = neg ? -v : v;
        return true;
    }

    public bool Equals(Rational other) => Num == other.Num && Den == other.Den;
    public override bool Equals(object? obj) => obj is Rational r && Equals(r);
    public override int GetHashCode() => HashCode.Combine(Num, Den);
    public override string ToString() => Den.IsOne ? Num.ToString(CultureInfo.InvariantCulture) : $"{Num}/{Den}";
}
