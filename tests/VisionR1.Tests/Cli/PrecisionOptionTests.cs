using VisionR1.Runtime;
using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Cli;

/// <summary>vr1's <c>--dtype</c> option (and its legacy <c>--fp32</c> switch).</summary>
public sealed class PrecisionOptionTests
{
    [Theory]
    [InlineData(new string[0], PrecisionPolicy.Auto)]
    [InlineData(new[] { "--dtype", "fp32" }, PrecisionPolicy.Fp32)]
    [InlineData(new[] { "--dtype=BF16" }, PrecisionPolicy.Bf16)]
    [InlineData(new[] { "--fp32" }, PrecisionPolicy.Fp32)]
    [InlineData(new[] { "--fp32", "--dtype", "fp32" }, PrecisionPolicy.Fp32)]
    public void Dtype_option_and_its_legacy_switch_parse(string[] words, PrecisionPolicy expected)
    {
        var args = new CliArgs(words, ["fp32"]);
        Assert.Equal(expected, PrecisionOption.Read(args, "fp32"));
        args.ThrowOnUnknown();
    }

    [Theory]
    [InlineData("--dtype", "fp16")]
    [InlineData("--fp32", "--dtype", "bf16")]
    public void Bad_or_contradicting_dtype_is_a_usage_error(params string[] words)
    {
        var e = Assert.Throws<CliUsageException>(() => PrecisionOption.Read(new CliArgs(words, ["fp32"]), "fp32"));
        Assert.Contains("--", e.Message);
    }
}
