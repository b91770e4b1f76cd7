using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Runtime;

public sealed class PrecisionChoiceTests
{
    [Theory]
    [InlineData(111.0, 669.0, ScalarType.BFloat16)] // AVX-512 BF16: bf16 six times faster
    [InlineData(160.0, 1.0, ScalarType.Float32)]    // AVX2 only: bf16 emulated
    [InlineData(100.0, 140.0, ScalarType.Float32)]  // faster, but not by the required margin
    [InlineData(100.0, 150.0, ScalarType.BFloat16)] // exactly the margin
    public void Auto_picks_bf16_only_where_it_is_measurably_faster(double fp32, double bf16, ScalarType expected)
    {
        var choice = PrecisionChoice.Decide(PrecisionPolicy.Auto, fp32, bf16, "avx2 fma");
        Assert.Equal(expected, choice.Dtype);
        Assert.Equal(fp32, choice.Fp32Gflops);
        Assert.Equal(bf16, choice.Bf16Gflops);
        // The reason carries both measured rates, not a bare yes.
        Assert.Contains(fp32.ToString("F1", System.Globalization.CultureInfo.InvariantCulture), choice.Reason);
        Assert.Contains(bf16.ToString("F1", System.Globalization.CultureInfo.InvariantCulture), choice.Reason);
    }

    [Fact]
    public void Auto_without_bf16_products_is_fp32_and_forced_bf16_is_an_error_naming_it()
    {
        Assert.Equal(ScalarType.Float32, PrecisionChoice.Decide(PrecisionPolicy.Auto, 50, null).Dtype);
        var e = Assert.Throws<InvalidOperationException>(() => PrecisionChoice.Decide(PrecisionPolicy.Bf16, 50, null));
        Assert.Contains("bf16", e.Message);
    }

    [Fact]
    public void Forced_types_are_kept_and_a_slow_forced_bf16_says_so()
    {
        Assert.Equal(ScalarType.Float32, PrecisionChoice.Decide(PrecisionPolicy.Fp32, 100, 600).Dtype);
        var slow = PrecisionChoice.Decide(PrecisionPolicy.Bf16, 160, 1);
        Assert.Equal(ScalarType.BFloat16, slow.Dtype);
        Assert.Contains("SLOWER", slow.Reason);
    }

    [Fact]
    public void Bf16_flags_with_slow_bf16_are_reported_as_unused()
    {
        var choice = PrecisionChoice.Decide(PrecisionPolicy.Auto, 160, 1, "avx2 fma avx512f avx512_bf16");
        Assert.Equal(ScalarType.Float32, choice.Dtype);
        Assert.Contains("do not use them", choice.Reason);
    }

    [Fact]
    public void Initialize_resolves_the_policy_from_its_own_measurement()
    {
        var report = VisionR1Runtime.Initialize("cpu");
        var p = report.Precision;
        Assert.True(p.Fp32Gflops > 0);
        Assert.Equal(report.Bf16Supported, p.Bf16Gflops is not null);
        // Whatever this CPU measured, the choice is the rule applied to those numbers.
        Assert.Equal(PrecisionChoice.Decide(PrecisionPolicy.Auto, p.Fp32Gflops, p.Bf16Gflops).Dtype, p.Dtype);
        Assert.Equal(ScalarType.Float32, VisionR1Runtime.Initialize("cpu", precision: PrecisionPolicy.Fp32).Precision.Dtype);
        Assert.Contains("precision:", report.ToString());
    }
}
