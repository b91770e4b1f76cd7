using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Policies;
using VisionR1.Inputs;
using VisionR1.Runtime;
using VisionR1.Text;
using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Rollout;

/// <summary>`vr1 grpo --rollout-engine remote` against a real HTTP server on 127.0.0.1 serving the same tiny model folder.</summary>
public sealed class RolloutCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-rollout-cli-");

    public void Dispose() => _dir.Delete(true);

    private static async Task<(int Code, string Out, string Err)> Run(params string[] argv)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CommandLine.RunAsync(argv, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private async Task<(string Model, string Data)> TinyRun()
    {
        var model = Path.Combine(_dir.FullName, "model");
        Assert.Equal(0, (await Run("init-model", "--preset", "tiny", "--out", model, "--seed", "1")).Code);
        var data = Path.Combine(_dir.FullName, "rl.jsonl");
        File.WriteAllLines(data, Enumerable.Range(0, 4).Select(i => $$"""{"id": "q{{i}}", "problem": "What is {{i}}+{{i}}?", "answer": "{{2 * i}}"}"""));
        return (model, data);
    }

    [Fact]
    public async Task Grpo_command_samples_through_a_remote_server_and_publishes_each_step()
    {
        var (model, data) = await TinyRun();
        VisionR1Runtime.Initialize("cpu", threads: 1);
        var tokenizer = TokenizerLoader.FromFolder(model);
        await using var server = new LocalRolloutServer(QwenPolicy.Load(model), new ChatTemplate(tokenizer, ChatTemplateOptions.NoSystemPrompt), "tiny", model);
        var output = Path.Combine(_dir.FullName, "out");
        var (code, stdout, stderr) = await Run("grpo", "--model", model, "--data", data, "--out", output, "--threads", "1",
            "--schedule", """[{"max_completion_length": 6, "group_size": 2, "steps": 2}]""", "--prompts-per-step", "2", "--lr", "1e-3",
            "--lora-r", "4", "--rollout-engine", "remote", "--rollout-url", server.BaseUrl.ToString(), "--rollout-model", "tiny", "--rollout-concurrency", "3");

        Assert.True(code == 0, stderr);
        Assert.Contains($"rollout remote vllm {server.BaseUrl}", stdout);
        Assert.Equal(["vr1-v1"], server.Adapters);
        Assert.Equal(8, server.Served.Count); // 2 steps × 2 prompts × 2 samples, each served once
        var metrics = File.ReadAllLines(Path.Combine(output, JsonlMetricsSink.MetricsFileName));
        Assert.Contains("\"rollout_version\":0", metrics[0]);
        Assert.Contains("\"rollout_version\":1", metrics[1]);
        Assert.True(File.Exists(Path.Combine(output, "published", "vr1-v1", "adapter_model.safetensors")));
    }

    [Theory]
    [InlineData("--rollout-engine remote --rollout-model m --lora-r 4", "--rollout-url")]
    [InlineData("--rollout-engine remote --rollout-url http://127.0.0.1:9/ --lora-r 4", "--rollout-model")]
    [InlineData("--rollout-url http://127.0.0.1:9/", "need --rollout-engine remote")]
    [InlineData("--rollout-engine cluster", "--rollout-engine must be local or remote")]
    [InlineData("--rollout-engine remote --rollout-url http://127.0.0.1:9/ --rollout-model m", "add --lora-r")]
    [InlineData("--rollout-engine remote --rollout-url http://127.0.0.1:9/ --rollout-model m --weight-sync disk", "/update_weights_from_disk")]
    [InlineData("--rollout-engine remote --rollout-url http://127.0.0.1:9/ --rollout-model m --lora-r 4 --sync-every 0", "SyncEverySteps")]
    public async Task Grpo_command_rejects_bad_rollout_options_by_name(string options, string expected)
    {
        var (model, data) = await TinyRun();
        var (code, _, err) = await Run(["grpo", "--model", model, "--data", data, "--out", Path.Combine(_dir.FullName, "o"), .. options.Split(' ')]);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
    }
}
