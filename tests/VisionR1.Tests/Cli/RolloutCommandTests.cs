using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Policies;
using VisionR1.Inputs;
using VisionR1.Runtime;
using VisionR1.Text;
using VisionR1.Tests.Inputs;
using VisionR1.Tests.Rollout;
using VisionR1.Trainer.Cli;
using static VisionR1.Tests.Cli.Vr1Cli;

namespace VisionR1.Tests.Cli;

/// <summary>`vr1 grpo --rollout-engine remote` against a real HTTP server on 127.0.0.1 serving the same tiny model folder.</summary>
public sealed class RolloutCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-rollout-cli-");

    public void Dispose() => _dir.Delete(true);

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
    [InlineData("vllm")]
    [InlineData("sglang")]
    public async Task Grpo_command_samples_image_problems_on_either_server(string kind)
    {
        var (model, _) = await TinyRun();
        Directory.CreateDirectory(Path.Combine(_dir.FullName, "img"));
        File.WriteAllBytes(Path.Combine(_dir.FullName, "img", "a.png"), ImageFixtures.Png(56, 56, ImageFixtures.Noise));
        File.WriteAllBytes(Path.Combine(_dir.FullName, "img", "b.png"), ImageFixtures.Png(84, 56, ImageFixtures.Noise));
        var data = Path.Combine(_dir.FullName, "rl-images.jsonl");
        File.WriteAllLines(data,
        [
            """{"id": "a", "problem": "How many sides?", "answer": "4", "images": ["img/a.png"]}""",
            """{"id": "b", "problem": "How many corners?", "answer": "3", "images": ["img/b.png"]}""",
        ]);
        VisionR1Runtime.Initialize("cpu", threads: 1);
        var tokenizer = TokenizerLoader.FromFolder(model);
        // As docs/rollouts.md starts them: vLLM with the openai content format, SGLang deterministic.
        await using var server = new LocalRolloutServer(QwenPolicy.Load(model), new ChatTemplate(tokenizer, ChatTemplateOptions.NoSystemPrompt), "tiny", model)
        {
            VllmContentFormat = ContentFormat.Openai,
            SglangDeterministic = true,
        };
        server.GenerationConfig.Clear();
        var (code, stdout, stderr) = await Run("grpo", "--model", model, "--data", data, "--out", Path.Combine(_dir.FullName, "out-" + kind), "--threads", "1",
            "--schedule", """[{"max_completion_length": 4, "group_size": 2, "steps": 1}]""", "--prompts-per-step", "2", "--lr", "1e-3",
            "--lora-r", "4", "--rollout-engine", "remote", "--rollout-server", kind, "--rollout-url", server.BaseUrl.ToString(), "--rollout-model", "tiny");

        Assert.True(code == 0, stderr);
        Assert.Contains($"rollout remote {kind} {server.BaseUrl}", stdout);
        Assert.Equal(4, server.Served.Count); // 2 prompts × 2 samples, each with its image
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
