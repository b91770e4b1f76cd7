using System.CommandLine;
using VisionR1.Runtime;
using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Cli;

/// <summary>vr1's <c>--dtype</c> option (and its legacy <c>--fp32</c> switch).</summary>
public sealed class PrecisionOptionTests
{
    private static (PrecisionOption Option, ParseResult Parse) Parse(string[] words)
    {
        var option = new PrecisionOption("fp32");
        var command = new RootCommand();
        foreach (var symbol in option.Symbols) command.Options.Add((Option)symbol);
        return (option, command.Parse(words));
    }

    [Theory]
    [InlineData(new string[0], PrecisionPolicy.Auto)]
    [InlineData(new[] { "--dtype", "fp32" }, PrecisionPolicy.Fp32)]
    [InlineData(new[] { "--dtype=BF16" }, PrecisionPolicy.Bf16)]
    [InlineData(new[] { "--fp32" }, PrecisionPolicy.Fp32)]
    [InlineData(new[] { "--fp32", "--dtype", "fp32" }, PrecisionPolicy.Fp32)]
    public void Dtype_option_and_its_legacy_switch_parse(string[] words, PrecisionPolicy expected)
    {
        var (option, parse) = Parse(words);
        Assert.Empty(parse.Errors);
        Assert.Equal(expected, option.Read(parse));
    }

    [Fact]
    public void Bad_dtype_is_a_parse_error_naming_the_option()
    {
        var (_, parse) = Parse(["--dtype", "fp16"]);
        Assert.Contains(parse.Errors, e => e.Message == "--dtype must be auto, fp32 or bf16, got 'fp16'.");
    }

    [Fact]
    public void Contradicting_dtype_and_switch_is_a_usage_error()
    {
        var (option, parse) = Parse(["--fp32", "--dtype", "bf16"]);
        var e = Assert.Throws<CliUsageException>(() => option.Read(parse));
        Assert.Contains("--fp32 contradicts --dtype bf16", e.Message);
    }
}
