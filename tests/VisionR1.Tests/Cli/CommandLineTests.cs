using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Cli;

public sealed class CommandLineTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] argv)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await CommandLine.RunAsync(argv, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Info_prints_the_runtime_report_and_measured_rates()
    {
        var (code, output, _) = await Run("info", "--size", "64");
        Assert.Equal(0, code);
        Assert.Contains("device=cpu", output);
        Assert.Matches(@"matmul 64x64 fp32: \d+(\.\d)? GFLOP/s", output);
    }

    [Fact]
    public async Task Unknown_command_and_unknown_option_are_usage_errors()
    {
        var (code, _, err) = await Run("no-such-command");
        Assert.Equal(2, code);
        Assert.Contains("unknown command 'no-such-command'", err);

        (code, _, err) = await Run("info", "--sise", "64");
        Assert.Equal(2, code);
        Assert.Contains("--sise", err);
    }

    [Fact]
    public async Task Help_lists_every_discovered_command()
    {
        var (code, output, _) = await Run("help");
        Assert.Equal(0, code);
        foreach (var name in CommandLine.Commands.Keys) Assert.Contains(name, output);
    }

    [Fact]
    public void Options_switches_and_positionals_are_parsed()
    {
        var args = new CliArgs(["a", "--n", "3", "--quick", "--x=1.5", "b"], switches: ["quick"]);
        Assert.Equal(3, args.GetInt("n", 0));
        Assert.True(args.Flag("quick"));
        Assert.Equal(1.5, args.GetDouble("x", 0));
        Assert.Equal(["a", "b"], args.Positional);
        args.ThrowOnUnknown();
        Assert.Throws<CliUsageException>(() => new CliArgs(["--n", "x"]).GetInt("n", 0));
    }
}
