using VisionR1.Grpo.Metrics;
using VisionR1.Tests.Inputs;
using VisionR1.Trainer.Cli;
using static VisionR1.Tests.Cli.Vr1Cli;

namespace VisionR1.Tests.Grpo;

public sealed class TrainingCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-train-cli-");

    public void Dispose() => _dir.Delete(true);

    private async Task<string> TinyModel()
    {
        var model = Path.Combine(_dir.FullName, "model");
        Assert.Equal(0, (await Run("init-model", "--preset", "tiny", "--out", model, "--seed", "1")).Code);
        return model;
    }

    [Theory]
    [InlineData("sft")]
    [InlineData("grpo")]
    public async Task Training_commands_refuse_existing_checkpoints_without_resume(string command)
    {
        var output = Path.Combine(_dir.FullName, command + "-out");
        Directory.CreateDirectory(Path.Combine(output, "checkpoints", "step-1"));
        var (code, _, err) = await Run(command, "--model", Path.Combine(_dir.FullName, "absent-model"), "--data", Path.Combine(_dir.FullName, "absent.jsonl"), "--out", output);
        Assert.Equal(2, code);
        Assert.Contains("already holds checkpoints", err);
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
    public async Task Sft_command_with_strict_stops_at_the_bad_line_and_names_it()
    {
        var model = await TinyModel();
        var data = Path.Combine(_dir.FullName, "bad.jsonl");
        File.WriteAllLines(data, ["""{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}""", """{"messages": [{"role": "robot", "content": "x"}]}"""]);
        var (code, _, err) = await Run("sft", "--model", model, "--data", data, "--out", Path.Combine(_dir.FullName, "o"), "--strict");
        Assert.Equal(1, code);
        Assert.Contains("bad.jsonl:2", err);
        Assert.Contains("robot", err);
    }

    [Fact]
    public async Task Grpo_command_runs_a_two_stage_schedule_with_images_and_resumes()
    {
        var model = await TinyModel();
        var images = Directory.CreateDirectory(Path.Combine(_dir.FullName, "img"));
        File.WriteAllBytes(Path.Combine(images.FullName, "a.png"), ImageFixtures.Png(56, 56, ImageFixtures.Noise));
        var data = Path.Combine(_dir.FullName, "rl.jsonl");
        File.WriteAllLines(data,
        [
            """{"id": "a", "problem": "How many sides?", "answer": "4", "images": ["img/a.png"]}""",
            """{"question": "What is 2+3?", "answer": 5}""", // no id: training data may leave it out
            """{"id": "c", "problem": "Pick one.", "answer": "B", "choices": ["1", "2"]}""",
        ]);
        var output = Path.Combine(_dir.FullName, "rl-out");
        const string schedule = """[{"max_completion_length": 6, "group_size": 4, "steps": 2, "name": "short"}, {"max_completion_length": 12, "group_size": 2, "steps": 1}]""";
        string[] common = ["grpo", "--model", model, "--data", data, "--out", output, "--schedule", schedule, "--prompts-per-step", "2", "--lr", "1e-3", "--save-every", "1", "--threads", "1", "--updates", "2"];

        var first = await Run([.. common, "--max-steps", "2"]);
        Assert.True(first.Code == 0, first.Err);
        Assert.Contains("grpo: 3 problems (0 skipped)", first.Out);
        Assert.Contains("stopped after 2 steps", first.Out);
        var second = await Run([.. common, "--resume"]);
        Assert.True(second.Code == 0, second.Err);
        Assert.Contains("resuming after step 2", second.Out);
        Assert.Contains("finished after 3 steps", second.Out);
        var metrics = File.ReadAllLines(Path.Combine(output, JsonlMetricsSink.MetricsFileName));
        Assert.Equal(3, metrics.Length);
        Assert.Contains("\"group_size\":2", metrics[2]);
        Assert.Contains("\"hfrrf\"", metrics[0]);
        Assert.Contains(File.ReadAllLines(Path.Combine(output, JsonlMetricsSink.EventsFileName)), l => l.Contains("stage_switch", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(output, "final", "model.safetensors")));
    }

    [Theory]
    [InlineData("grpo", "", "clip 0.2/0.2, KL K3 β 0.01, aggregation TokenMean")]
    [InlineData("dr_grpo", "", "aggregation DrGrpo")]
    [InlineData("dapo", "", "clip 0.2/0.28")]
    [InlineData("gspo", "", "objective SequenceClip")]
    [InlineData("cispo", "", "objective Cispo")]
    [InlineData("rloo", "", "in the reward")]
    [InlineData("reinforce_pp", "", "advantage ReinforcePlusPlus")]
    [InlineData("dr_grpo", "--beta=0.05", "KL K3 β 0.05")]
    public async Task Grpo_command_runs_two_steps_of_each_named_algorithm_and_an_option_given_wins(string algorithm, string extra, string expected)
    {
        var model = await TinyModel();
        var data = Path.Combine(_dir.FullName, "rl.jsonl");
        File.WriteAllLines(data, ["""{"id": "a", "question": "What is 2+3?", "answer": "5"}""", """{"id": "b", "question": "What is 1+1?", "answer": "2"}"""]);
        var output = Path.Combine(_dir.FullName, "algo-" + algorithm);
        const string schedule = """[{"max_completion_length": 6, "group_size": 4, "steps": 2}]""";
        string[] argv = ["grpo", "--model", model, "--data", data, "--out", output, "--schedule", schedule, "--prompts-per-step", "2", "--threads", "1", "--algorithm", algorithm];
        var (code, stdout, err) = await Run(extra.Length > 0 ? [.. argv, extra] : argv);
        Assert.True(code == 0, err);
        Assert.Contains($"algorithm {algorithm}:", stdout);
        Assert.Contains(expected, stdout);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(output, JsonlMetricsSink.MetricsFileName)).Length);
    }

    [Theory]
    [InlineData("--algorithm", "ppo", "--algorithm")]
    [InlineData("--schedule", "[]", "at least one stage")]
    [InlineData("--aggregation", "mean", "--aggregation")]
    [InlineData("--reward", "magic", "--reward")]
    public async Task Grpo_command_rejects_bad_options_by_name(string option, string value, string expected)
    {
        var model = await TinyModel();
        var data = Path.Combine(_dir.FullName, "rl.jsonl");
        File.WriteAllText(data, """{"problem": "p", "answer": "1"}""");
        var (code, _, err) = await Run("grpo", "--model", model, "--data", data, "--out", Path.Combine(_dir.FullName, "o"), option, value);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
    }
}
