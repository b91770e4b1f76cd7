using VisionR1.Grpo.Metrics;
using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Grpo;

public sealed class TrainingCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-train-cli-");

    public void Dispose() => _dir.Delete(true);

    private static async Task<(int Code, string Out, string Err)> Run(params string[] argv)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CommandLine.RunAsync(argv, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private async Task<string> TinyModel()
    {
        var model = Path.Combine(_dir.FullName, "model");
        Assert.Equal(0, (await Run("init-model", "--preset", "tiny", "--out", model, "--seed", "1")).Code);
        return model;
    }

    [Fact]
    public async Task Sft_command_trains_checkpoints_resumes_and_writes_a_final_folder()
    {
        var model = await TinyModel();
        var data = Path.Combine(_dir.FullName, "sft.jsonl");
        File.WriteAllLines(data, Enumerable.Range(0, 4).Select(i =>
            $$"""{"messages": [{"role": "user", "content": "Add {{i}} and {{i}}."}, {"role": "assistant", "content": "<think>{{i}}+{{i}}</think><answer>{{2 * i}}</answer>"}]}"""));
        var output = Path.Combine(_dir.FullName, "sft-out");
        string[] common = ["sft", "--model", model, "--data", data, "--out", output, "--epochs", "2", "--batch", "2", "--accum", "1", "--lr", "1e-3", "--save-every", "1", "--threads", "1"];

        var first = await Run([.. common, "--max-steps", "2"]);
        Assert.True(first.Code == 0, first.Err);
        Assert.Contains("stopped after 2 steps", first.Out);
        var refused = await Run(common);
        Assert.Equal(2, refused.Code);
        Assert.Contains("--resume", refused.Err);

        var second = await Run([.. common, "--resume"]);
        Assert.True(second.Code == 0, second.Err);
        Assert.Contains("resuming after step 2", second.Out);
        Assert.Contains("finished after 4 steps", second.Out);
        var lines = File.ReadAllLines(Path.Combine(output, JsonlMetricsSink.MetricsFileName));
        Assert.Equal(4, lines.Length);
        Assert.True(File.Exists(Path.Combine(output, "final", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(output, "final", "config.json")));
    }

    [Fact]
    public async Task Sft_command_names_the_bad_line()
    {
        var model = await TinyModel();
        var data = Path.Combine(_dir.FullName, "bad.jsonl");
        File.WriteAllLines(data, ["""{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}""", """{"messages": [{"role": "robot", "content": "x"}]}"""]);
        var (code, _, err) = await Run("sft", "--model", model, "--data", data, "--out", Path.Combine(_dir.FullName, "o"));
        Assert.Equal(1, code);
        Assert.Contains("bad.jsonl:2", err);
        Assert.Contains("robot", err);
    }
}
