using TorchSharp;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

/// <summary>The kept-alive helpers compute exactly what TorchSharp's operator forms compute.</summary>
public sealed class ScalarsTests
{
    public ScalarsTests() => VisionR1Runtime.Initialize("cpu", threads: 1);

    private static void Identical(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.eq(actual).logical_or(expected.isnan().logical_and(actual.isnan())).all().item<bool>(), "values differ");
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Helpers_match_the_operator_forms_bit_for_bit(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(7);
        var x = randn(new long[] { 5, 7 }, generator: g).to_type(dtype);
        var y = randn(new long[] { 5, 7 }, generator: g).to_type(dtype);
        var mask = x.gt(y);
        var index = tensor(new long[] { 0, 3 });

        Identical(x + 1e-6, Scalars.Add(x, 1e-6));
        Identical(x + y, Scalars.Add(x, y));
        Identical(x.add(y, 0.3), Scalars.Add(x, y, 0.3));
        Identical(x.clone().add_(y, 0.1), Scalars.AddInPlace(x.clone(), y, 0.1));
        Identical(x - 1, Scalars.Sub(x, 1));
        Identical(2.5 - x, Scalars.Sub(2.5, x));
        Identical(x * 0.7, Scalars.Mul(x, 0.7));
        Identical(x.clone().mul_(0.9), Scalars.MulInPlace(x.clone(), 0.9));
        Identical(x / 0.7, Scalars.Div(x, 0.7));
        Identical(x.pow(3), Scalars.Pow(x, 3));
        Identical(x.square(), Scalars.Square(x));
        Identical(x.clamp(-0.5, 0.25), Scalars.Clamp(x, -0.5, 0.25));
        Identical(x.clamp_min(0.1), Scalars.ClampMin(x, 0.1));
        Identical(x.masked_fill(mask, float.NegativeInfinity), Scalars.MaskedFill(x, mask, double.NegativeInfinity));
        Identical(x.index_fill(1, index, float.NegativeInfinity), Scalars.IndexFill(x, 1, index, double.NegativeInfinity));
        Identical(x.clone().fill_(0.3), Scalars.Fill(x.clone(), 0.3));
        Identical(mask.clone().fill_(true), Scalars.Fill(mask.clone(), true));
        Identical(x < 0.2, Scalars.Less(x, 0.2));
        Identical(x > 0.2, Scalars.Greater(x, 0.2));
        Identical(x >= 0.2, Scalars.GreaterEqual(x, 0.2));
        Identical(index.ne(3), Scalars.NotEqual(index, 3));
        Identical(index.eq(3), Scalars.Equal(index, 3));
    }

    [Fact]
    public void Arange_matches_torch_arange()
    {
        using var scope = NewDisposeScope();
        Identical(arange(2, 11, 3, dtype: ScalarType.Int64), Scalars.Arange(2, 11, 3));
        Identical(arange(0, 8, 2, dtype: ScalarType.Float32), Scalars.Arange(0, 8, 2, ScalarType.Float32));
        Identical(arange(5, dtype: ScalarType.Int64), Scalars.Arange(0, 5));
    }
}
