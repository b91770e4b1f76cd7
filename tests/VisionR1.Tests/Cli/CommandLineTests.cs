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
    public async Task Bad_values_name_the_option_and_mistyped_options_get_suggestions()
    {
        var (code, _, err) = await Run("info", "--size", "x");
        Assert.Equal(2, code);
        Assert.Contains("--size expects an integer, got 'x'.", err);

        (code, _, err) = await Run("world", "--out", "o", "--difficulty", "extreme");
        Assert.Equal(2, code);
        Assert.Contains("--difficulty must be easy, default or hard, got 'extreme'.", err);

        (code, _, err) = await Run("sft", "--model", "m", "--data", "d", "--out", "o", "--epoch", "2");
        Assert.Equal(2, code);
        Assert.Contains("'--epoch' was not matched. Did you mean one of the following?", err);
        Assert.Contains("--epochs", err);

        (code, _, err) = await Run("grpoo");
        Assert.Equal(2, code);
        Assert.Contains("unknown command 'grpoo'", err);
        Assert.Contains("Did you mean", err);
    }

    [Fact]
    public async Task Command_help_is_generated_from_the_declared_options()
    {
        var (code, output, _) = await Run("sft", "--help");
        Assert.Equal(0, code);
        Assert.Contains(" sft [options]", output); // after the executable's name: vr1, or the test host here
        Assert.Matches(@"--epochs <N>\s+Passes over the data.*\[default: 2\]", output);
        Assert.Matches(@"--model <DIR> \(REQUIRED\)", output);
        Assert.Contains("Details:", output);

        (code, output, _) = await Run("help", "grpo");
        Assert.Equal(0, code);
        Assert.Contains("--checkpointing <none|text|vision|all>", output);
    }

    [Fact]
    public async Task Values_may_follow_an_equals_sign_and_usage_errors_from_a_command_print_its_help()
    {
        var (code, _, err) = await Run("grpo", "--model=absent", "--data", "d", "--out", "o", "--rollout-url=http://x");
        Assert.Equal(2, code);
        Assert.Contains("vr1 grpo: --rollout-url need --rollout-engine remote.", err);
        Assert.Contains(" grpo [options]", err);
    }
}
