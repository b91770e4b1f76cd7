using TorchSharp;
using static TorchSharp.torch;

namespace VisionR1.Runtime;

/// <summary>
/// Tensor operations with a .NET number whose native <see cref="Scalar"/> is kept alive for the whole native call.
/// </summary>
/// <remarks>
/// <para>
/// Why this exists: TorchSharp 0.107 turns every number given to a tensor operation (<c>x + 1e-6</c>,
/// <c>x.mul_(0.9)</c>, <c>x.clamp(lo, hi)</c>, <c>x.masked_fill(m, float.NegativeInfinity)</c>, and also the
/// hidden <c>alpha = 1</c> of <c>tensorA + tensorB</c>, the <c>2</c> of <c>x.square()</c> and the bounds of <c>arange</c>) into a temporary <see cref="Scalar"/>: a finalizable
/// object that owns a native <c>c10::Scalar*</c>. The operation reads <c>scalar.Handle</c> and passes the raw
/// pointer to libtorch, after which nothing references the temporary. A garbage collection during that native
/// call may finalize it, and the finalizer frees the native scalar while libtorch is still reading it. libtorch
/// then reads freed memory: in bf16 the garbage usually fails libtorch's range check
/// ("Expected false to be true ... toFloat at c10/core/Scalar.h"), in fp32 it is silently used as the value.
/// It happens rarely and at random (it needs a collection, and the finalizer thread, inside a microsecond window),
/// which is how long training runs crash once in a few hundred steps and never on the resumed run.
/// </para>
/// <para>
/// The rule: every <see cref="Scalar"/> handed to a TorchSharp operation must still be referenced after the
/// call returns. Either hold it in a field of a long-lived object (a module or optimizer that disposes it), or
/// create it with <c>using var s = value.ToScalar();</c> so the disposal after the operation keeps it reachable.
/// The methods here follow the second form, so a call such as <c>Scalars.Add(variance, eps)</c> replaces
/// <c>variance + eps</c> with the same numerics and no race.
/// </para>
/// </remarks>
public static class Scalars
{
    /// <summary>The <c>alpha = 1</c> of additions: a static field is always reachable, so it is never finalized.</summary>
    private static readonly Scalar One = 1.ToScalar();

    /// <summary>Runs <paramref name="op"/> with <paramref name="value"/> as a scalar that stays referenced until the op has returned.</summary>
    private static Tensor With(Tensor x, double value, Func<Scalar, Tensor> op)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var s = value.ToScalar();
        return op(s);
    }

    /// <summary>The integer form of <see cref="With(Tensor, double, Func{Scalar, Tensor})"/> (an integer scalar, as comparisons with ids need).</summary>
    private static Tensor With(Tensor x, long value, Func<Scalar, Tensor> op)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var s = value.ToScalar();
        return op(s);
    }

    /// <summary><paramref name="x"/> + <paramref name="value"/> (the scalar is cast to the tensor's dtype by type promotion, as <c>x + value</c>).</summary>
    public static Tensor Add(Tensor x, double value) => With(x, value, s => x.add(s, One));

    /// <summary><paramref name="x"/> + <paramref name="y"/>, with the implicit <c>alpha = 1</c> kept alive (TorchSharp's <c>x + y</c> creates it as a temporary).</summary>
    public static Tensor Add(Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        return x.add(y, One);
    }

    /// <summary><paramref name="x"/> + <paramref name="alpha"/> × <paramref name="y"/>.</summary>
    public static Tensor Add(Tensor x, Tensor y, double alpha)
    {
        ArgumentNullException.ThrowIfNull(y);
        return With(x, alpha, a => x.add(y, a));
    }

    /// <summary>In place: <paramref name="x"/> += <paramref name="alpha"/> × <paramref name="y"/>; returns <paramref name="x"/>.</summary>
    public static Tensor AddInPlace(Tensor x, Tensor y, double alpha = 1.0)
    {
        ArgumentNullException.ThrowIfNull(y);
        return With(x, alpha, a => x.add_(y, a));
    }

    /// <summary><paramref name="x"/> − <paramref name="value"/>.</summary>
    public static Tensor Sub(Tensor x, double value) => With(x, value, s => x.sub(s));

    /// <summary><paramref name="value"/> − <paramref name="x"/>.</summary>
    public static Tensor Sub(double value, Tensor x) => With(x, value, s =>
    {
        using var negative = x.neg();
        return negative.add(s, One);
    });

    /// <summary><paramref name="x"/> × <paramref name="value"/>.</summary>
    public static Tensor Mul(Tensor x, double value) => With(x, value, s => x.mul(s));

    /// <summary>In place: <paramref name="x"/> ×= <paramref name="value"/>; returns <paramref name="x"/>.</summary>
    public static Tensor MulInPlace(Tensor x, double value) => With(x, value, s => x.mul_(s));

    /// <summary><paramref name="x"/> ÷ <paramref name="value"/>.</summary>
    public static Tensor Div(Tensor x, double value) => With(x, value, s => x.div(s));

    /// <summary><paramref name="x"/> raised to <paramref name="exponent"/>.</summary>
    public static Tensor Pow(Tensor x, double exponent) => With(x, exponent, s => x.pow(s));

    /// <summary><paramref name="x"/> limited to [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Tensor Clamp(Tensor x, double min, double max) => With(x, min, lo =>
    {
        using var hi = max.ToScalar();
        return x.clamp(lo, hi);
    });

    /// <summary><paramref name="x"/> with every element below <paramref name="min"/> raised to it.</summary>
    public static Tensor ClampMin(Tensor x, double min) => With(x, min, lo => x.clamp_min(lo));

    /// <summary>A copy of <paramref name="x"/> with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public static Tensor MaskedFill(Tensor x, Tensor mask, double value)
    {
        ArgumentNullException.ThrowIfNull(mask);
        return With(x, value, s => x.masked_fill(mask, s));
    }

    /// <summary>A copy of <paramref name="x"/> with <paramref name="value"/> at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public static Tensor IndexFill(Tensor x, long dim, Tensor index, double value)
    {
        ArgumentNullException.ThrowIfNull(index);
        return With(x, value, s => x.index_fill(dim, index, s));
    }

    /// <summary>In place: every element of <paramref name="x"/> set to <paramref name="value"/>; returns <paramref name="x"/>.</summary>
    public static Tensor Fill(Tensor x, double value) => With(x, value, s => x.fill_(s));

    /// <summary>In place: every element of the boolean tensor <paramref name="x"/> set to <paramref name="value"/>; returns <paramref name="x"/>.</summary>
    public static Tensor Fill(Tensor x, bool value)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var s = value.ToScalar();
        return x.fill_(s);
    }

    /// <summary>Element-wise <paramref name="x"/> &lt; <paramref name="value"/>.</summary>
    public static Tensor Less(Tensor x, double value) => With(x, value, s => x.lt(s));

    /// <summary>Element-wise <paramref name="x"/> &gt; <paramref name="value"/>.</summary>
    public static Tensor Greater(Tensor x, double value) => With(x, value, s => x.gt(s));

    /// <summary>Element-wise <paramref name="x"/> ≥ <paramref name="value"/>.</summary>
    public static Tensor GreaterEqual(Tensor x, double value) => With(x, value, s => x.ge(s));

    /// <summary>Element-wise <paramref name="x"/> ≠ <paramref name="value"/>.</summary>
    public static Tensor NotEqual(Tensor x, long value) => With(x, value, s => x.ne(s));

    /// <summary>Element-wise <paramref name="x"/> = <paramref name="value"/>.</summary>
    public static Tensor Equal(Tensor x, long value) => With(x, value, s => x.eq(s));

    /// <summary><c>torch.arange(start, stop, step)</c> with the three bounds kept alive (TorchSharp's <c>arange</c> takes them as temporary scalars).</summary>
    public static Tensor Arange(long start, long stop, long step = 1, ScalarType dtype = ScalarType.Int64, Device? device = null)
    {
        using var a = start.ToScalar();
        using var b = stop.ToScalar();
        using var c = step.ToScalar();
        return arange(a, b, c, dtype, device);
    }

    /// <summary>Element-wise <paramref name="x"/>² (TorchSharp's <c>square()</c> is <c>pow(2)</c> with a temporary scalar).</summary>
    public static Tensor Square(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var two = 2.ToScalar();
        return x.pow(two);
    }
}
