using System.Text.Json;
using VisionR1.Tests.Inputs;
using VisionR1.Trainer.Cli;
using static VisionR1.Tests.Cli.Vr1Cli;

namespace VisionR1.Tests.Reliability;

/// <summary>
/// The README's workflow runs end to end with every output in its own folder, and each command names, counts and skips a
/// bad item instead of dropping it silently or failing the run (tiny preset, fp32).
/// </summary>
public sealed class CommandChainTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-chain-");

    public void Dispose() => _dir.Delete(true);

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_dir.FullName, name)).FullName;

    private static (int Code, string Out, string Err) Ok((int Code, string Out, string Err) r)
    {
        Assert.True(r.Code == 0, $"exit {r.Code}\n{r.Out}\n{r.Err}");
        return r;
    }

    private async Task<string> TinyModel()
    {
        var model = Path.Combine(_dir.FullName, "model");
        Ok(await Run("init-model", "--preset", "tiny", "--out", model, "--seed", "1"));
        return model;
    }

    private const string ShortSchedule = """[{"max_completion_length": 8, "group_size": 2, "steps": 1}]""";

    [Fact]
    public async Task World_build_cold_filter_sft_grpo_and_evaluate_local_chain_across_separate_folders()
    {
        var world = Path.Combine(Folder("w"), "world");
        Ok(await Run("world", "--out", world, "--train", "6", "--test", "3", "--seed", "5", "--size", "56"));
        var model = await TinyModel();

        var cold = Path.Combine(Folder("c"), "cold", "cold.jsonl");
        var built = Ok(await Run("build-cold", "--input", Path.Combine(world, "train.jsonl"), "--output", cold, "--teacher", "synthetic"));
        Assert.Contains("built 6, already done 0, failed 0, unreadable input 0", built.Out, StringComparison.Ordinal);

        var sftData = Path.Combine(Folder("s"), "filtered", "sft.jsonl");
        var filtered = Ok(await Run("filter", "--input", cold, "--output", sftData));
        int kept = int.Parse(filtered.Out.Split('\n').Single(l => l.StartsWith("kept: ", StringComparison.Ordinal))["kept: ".Length..].Split('/')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"kept: {kept}/6", filtered.Out, StringComparison.Ordinal);
        Assert.InRange(kept, 1, 6);
        Assert.Equal(kept, File.ReadAllLines(sftData).Length);
        Assert.All(File.ReadAllLines(sftData), l => Assert.True(JsonDocument.Parse(l).RootElement.TryGetProperty("conversations", out _)));

        var sftOut = Path.Combine(Folder("t"), "sft-run");
        var sft = Ok(await Run("sft", "--model", model, "--data", sftData, "--out", sftOut, "--epochs", "1", "--batch", "8", "--accum", "1", "--threads", "1", "--lr", "1e-4"));
        Assert.Contains($"sft: {kept} conversations (0 skipped)", sft.Out, StringComparison.Ordinal);
        Assert.Contains("finished after 1 steps", sft.Out, StringComparison.Ordinal);

        var grpoOut = Path.Combine(Folder("g"), "grpo-run");
        var grpo = Ok(await Run("grpo", "--model", Path.Combine(sftOut, "final"), "--data", Path.Combine(world, "train.jsonl"), "--out", grpoOut,
            "--schedule", ShortSchedule, "--prompts-per-step", "2", "--threads", "1"));
        Assert.Contains("grpo: 6 problems (0 skipped)", grpo.Out, StringComparison.Ordinal);
        Assert.Contains("finished after 1 steps", grpo.Out, StringComparison.Ordinal);

        var predictions = Path.Combine(Folder("e"), "eval", "predictions.jsonl");
        var eval = Ok(await Run("evaluate-local", "--model", Path.Combine(grpoOut, "final"), "--problems", Path.Combine(world, "test.jsonl"), "--predictions", predictions,
            "--fp32", "--max-new-tokens", "4", "--batch", "4"));
        Assert.Contains("3 items (0 skipped)", eval.Out, StringComparison.Ordinal);
        Assert.Equal(3, File.ReadAllLines(predictions).Length);
    }

    [Fact]
    public async Task Sft_and_grpo_name_count_and_skip_bad_lines_unless_strict()
    {
        var model = await TinyModel();
        var data = Folder("data");
        File.WriteAllBytes(Path.Combine(data, "a.png"), ImageFixtures.Png(56, 56, ImageFixtures.Noise));
        File.WriteAllText(Path.Combine(data, "broken.png"), "not an image");
        var sftData = Path.Combine(data, "sft.jsonl");
        File.WriteAllLines(sftData,
        [
            """{"messages": [{"role": "user", "content": "Add 1 and 1."}, {"role": "assistant", "content": "<think>1+1</think><answer>2</answer>"}], "images": ["a.png"]}""",
            """{"conversations": [{"from": "human", "value": "<image>Add 2 and 2."}, {"from": "gpt", "value": "<think>2+2</think><answer>4</answer>"}], "images": ["a.png"]}""",
            """{"messages": [{"role": "robot", "content": "x"}]}""",
            """not json""",
            """{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "images": ["broken.png"]}""",
        ]);
        var sft = Ok(await Run("sft", "--model", model, "--data", sftData, "--out", Path.Combine(_dir.FullName, "sft-out"), "--epochs", "1", "--batch", "2", "--accum", "1", "--threads", "1"));
        Assert.Contains("sft: 2 conversations (3 skipped)", sft.Out, StringComparison.Ordinal);
        foreach (var line in new[] { "sft.jsonl:3", "sft.jsonl:4", "sft.jsonl:5" })
            Assert.Contains($"skipped {sftData.Replace("sft.jsonl", "", StringComparison.Ordinal)}{line}", sft.Err, StringComparison.Ordinal);
        Assert.Contains("robot", sft.Err, StringComparison.Ordinal);
        var strict = await Run("sft", "--model", model, "--data", sftData, "--out", Path.Combine(_dir.FullName, "sft-strict"), "--strict");
        Assert.Equal(1, strict.Code);
        Assert.Contains("sft.jsonl:3", strict.Err, StringComparison.Ordinal);

        var rlData = Path.Combine(data, "rl.jsonl");
        var tooLong = string.Join(' ', Enumerable.Repeat("seven", 5000));
        File.WriteAllLines(rlData,
        [
            """{"id": "a", "problem": "How many sides?", "answer": "4", "images": ["a.png"]}""",
            JsonSerializer.Serialize(new { id = "long", problem = tooLong, answer = "1" }),
            """{"id": "b", "question": "What is 2+3?", "answer": 5}""",
            """{"id": "c", "problem": "Which?", "answer": "1", "images": ["broken.png"]}""",
        ]);
        var grpo = Ok(await Run("grpo", "--model", model, "--data", rlData, "--out", Path.Combine(_dir.FullName, "rl-out"), "--schedule", ShortSchedule, "--prompts-per-step", "2", "--threads", "1"));
        Assert.Contains("grpo: 2 problems (2 skipped)", grpo.Out, StringComparison.Ordinal);
        Assert.Contains("rl.jsonl:2: the prompt is", grpo.Err, StringComparison.Ordinal);
        Assert.Contains("max_position_embeddings 4096", grpo.Err, StringComparison.Ordinal);
        Assert.Contains("rl.jsonl:4", grpo.Err, StringComparison.Ordinal);
        Assert.Contains("finished after 1 steps", grpo.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_local_reports_what_accuracy_is_over_and_names_every_skipped_item()
    {
        var model = await TinyModel();
        var root = Folder("bench");
        var outside = Folder("elsewhere");
        File.WriteAllBytes(Path.Combine(root, "a.png"), ImageFixtures.Png(56, 56, ImageFixtures.Noise));
        File.WriteAllBytes(Path.Combine(outside, "b.png"), ImageFixtures.Png(56, 56, ImageFixtures.Noise));
        File.CreateSymbolicLink(Path.Combine(root, "b.png"), Path.Combine(outside, "b.png"));
        File.WriteAllBytes(Path.Combine(root, "cut.png"), ImageFixtures.Png(56, 56, ImageFixtures.Noise)[..40]);
        var problems = Path.Combine(root, "test.jsonl");
        File.WriteAllLines(problems,
        [
            """{"id": "ok1", "images": ["a.png"], "question": "How many?", "answer": "1"}""",
            """{"id": "broken", """,
            """{"id": "link", "images": ["b.png"], "question": "How many?", "answer": "1"}""",
            """{"id": "cut", "images": ["cut.png"], "question": "How many?", "answer": "1"}""",
            JsonSerializer.Serialize(new { id = "long", question = string.Join(' ', Enumerable.Repeat("seven", 5000)), answer = "1" }),
            """{"id": "ok2", "question": "What is 2+3?", "answer": "5"}""",
        ]);
        var predictions = Path.Combine(_dir.FullName, "p.jsonl");

        var r = Ok(await Run("evaluate-local", "--model", model, "--problems", problems, "--predictions", predictions, "--fp32", "--max-new-tokens", "4"));

        Assert.Contains("2 items (4 skipped)", r.Out, StringComparison.Ordinal);
        Assert.Contains("test.jsonl:2", r.Err, StringComparison.Ordinal);
        Assert.Contains("test.jsonl:3", r.Err, StringComparison.Ordinal);
        Assert.Contains("leaves the data root", r.Err, StringComparison.Ordinal);
        Assert.Contains("item 'cut'", r.Err, StringComparison.Ordinal);
        Assert.Contains("item 'long'", r.Err, StringComparison.Ordinal);
        Assert.Equal(["ok1", "ok2"], File.ReadAllLines(predictions).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()));
        Assert.Equal(1, (await Run("evaluate-local", "--model", model, "--problems", problems, "--predictions", predictions, "--fp32", "--strict")).Code);
    }

    [Fact]
    public async Task A_model_folder_without_tokenizer_files_is_an_error_unless_the_compact_tokenizer_is_asked_for()
    {
        var model = await TinyModel();
        foreach (var f in Directory.EnumerateFiles(model).Where(f => !f.EndsWith("config.json", StringComparison.Ordinal) && !f.EndsWith(".safetensors", StringComparison.Ordinal)))
            File.Delete(f);
        var data = Path.Combine(_dir.FullName, "sft.jsonl");
        File.WriteAllText(data, """{"messages": [{"role": "user", "content": "1+1?"}, {"role": "assistant", "content": "<answer>2</answer>"}]}""");

        var refused = await Run("sft", "--model", model, "--data", data, "--out", Path.Combine(_dir.FullName, "o1"), "--epochs", "1");
        Assert.Equal(2, refused.Code);
        Assert.Contains("has no tokenizer files", refused.Err, StringComparison.Ordinal);
        Assert.Contains("--compact-tokenizer", refused.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "o1", "final")));

        var asked = Ok(await Run("sft", "--model", model, "--data", data, "--out", Path.Combine(_dir.FullName, "o2"), "--epochs", "1", "--threads", "1", "--compact-tokenizer"));
        Assert.Contains("finished after 1 steps", asked.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Leftovers_of_a_killed_run_are_swept_when_the_same_job_starts_again()
    {
        // vr1 verify: the orphaned temporary file of its output.
        var pairs = Path.Combine(_dir.FullName, "pairs.jsonl");
        File.WriteAllText(pairs, """{"gold": "1", "prediction": "1"}""" + "\n");
        var output = Path.Combine(_dir.FullName, "verified.jsonl");
        var orphan = Path.Combine(_dir.FullName, ".verified.jsonl.0123456789ab.tmp");
        var stranger = Path.Combine(_dir.FullName, ".other.jsonl.0123456789ab.tmp");
        File.WriteAllText(orphan, "half");
        File.WriteAllText(stranger, "not ours");
        Ok(await Run("verify", "--input", pairs, "--output", output));
        Assert.False(File.Exists(orphan));
        Assert.True(File.Exists(stranger));

        // vr1 sft --resume: a temporary checkpoint folder is swept; an older step folder without checkpoint.json is kept (a
        // checkpoint that does not verify is never deleted; prunes of this version rename a folder before deleting it).
        var model = await TinyModel();
        var data = Path.Combine(_dir.FullName, "sft.jsonl");
        File.WriteAllLines(data, Enumerable.Range(0, 4).Select(i => $$"""{"messages": [{"role": "user", "content": "{{i}}?"}, {"role": "assistant", "content": "<answer>{{i}}</answer>"}]}"""));
        var run = Path.Combine(_dir.FullName, "sft-run");
        string[] sft = ["sft", "--model", model, "--data", data, "--out", run, "--epochs", "2", "--batch", "2", "--accum", "1", "--save-every", "1", "--threads", "1"];
        Ok(await Run([.. sft, "--max-steps", "1"]));
        var checkpoints = Path.Combine(run, "checkpoints");
        var halfDeleted = Directory.CreateDirectory(Path.Combine(checkpoints, "step-00000000")).FullName;
        File.WriteAllText(Path.Combine(halfDeleted, "optimizer.bin"), "x");
        var temp = Directory.CreateDirectory(Path.Combine(checkpoints, ".tmp-step-00000002-0123")).FullName;
        var finalOrphan = Path.Combine(Directory.CreateDirectory(Path.Combine(run, "final")).FullName, ".model.safetensors.0123456789ab.tmp");
        File.WriteAllText(finalOrphan, "half a model");
        Ok(await Run([.. sft, "--resume", "--max-steps", "1"]));
        Assert.False(File.Exists(finalOrphan));
        Assert.True(Directory.Exists(halfDeleted));
        Assert.False(Directory.Exists(temp));
        Assert.True(Directory.Exists(Path.Combine(checkpoints, "step-00000002")));

        // vr1 build-cold: an orphan in its step cache.
        var world = Path.Combine(_dir.FullName, "world");
        Ok(await Run("world", "--out", world, "--train", "2", "--test", "1", "--size", "56"));
        var cold = Path.Combine(_dir.FullName, "cold", "cold.jsonl");
        Directory.CreateDirectory(cold + ".steps");
        var cacheOrphan = Path.Combine(cold + ".steps", ".abc.pseudo_cot.json.0123456789ab.tmp");
        File.WriteAllText(cacheOrphan, "{");
        Ok(await Run("build-cold", "--input", Path.Combine(world, "train.jsonl"), "--output", cold, "--teacher", "synthetic"));
        Assert.False(File.Exists(cacheOrphan));
    }
}
