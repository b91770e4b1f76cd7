using System.Text.Json;
using VisionR1.Model;
using VisionR1.Model.Qwen3VL;
using VisionR1.Runtime;
using VisionR1.Tests.Inputs;
using VisionR1.Text;
using static VisionR1.Tests.Cli.Vr1Cli;

namespace VisionR1.Tests.Reliability;

/// <summary>
/// The commands that take a model folder (sft, grpo, evaluate-local, generate) run on a Qwen3-VL folder as on a Qwen2.5-VL
/// one: the family comes from its config.json and images go through the family's processor (tiny preset, fp32).
/// </summary>
public sealed class Qwen3VLCommandChainTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-qwen3-chain-");

    public void Dispose()
    {
        try { _dir.Delete(true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static (int Code, string Out, string Err) Ok((int Code, string Out, string Err) r)
    {
        Assert.True(r.Code == 0, $"exit {r.Code}\n{r.Out}\n{r.Err}");
        return r;
    }

    /// <summary>A randomly initialised tiny Qwen3-VL folder with the compact tokenizer.</summary>
    private string TinyQwen3Model()
    {
        var folder = Path.Combine(_dir.FullName, "qwen3");
        VisionR1Runtime.Initialize("cpu");
        using var model = new Qwen3VLModel(Qwen3VLPresets.Tiny);
        model.InitializeWeights(1);
        model.SavePretrained(folder);
        CompactTokenizerTrainer.TrainDefault().Save(folder);
        return folder;
    }

    [Fact]
    public async Task Sft_grpo_evaluate_local_and_generate_take_a_qwen3_vl_folder_and_keep_its_family()
    {
        var world = Path.Combine(_dir.FullName, "world");
        Ok(await Run("world", "--out", world, "--train", "4", "--test", "2", "--seed", "5", "--size", "56"));
        var model = TinyQwen3Model();

        var sftData = Path.Combine(_dir.FullName, "sft.jsonl");
        File.WriteAllBytes(Path.Combine(_dir.FullName, "a.png"), ImageFixtures.Png(56, 56, ImageFixtures.Noise));
        File.WriteAllLines(sftData, Enumerable.Range(0, 2).Select(i =>
            $$"""{"messages": [{"role": "user", "content": "Add {{i}} and {{i}}."}, {"role": "assistant", "content": "<think>{{i}}+{{i}}</think><answer>{{2 * i}}</answer>"}], "images": ["a.png"]}"""));
        var sftOut = Path.Combine(_dir.FullName, "sft-run");
        var sft = Ok(await Run("sft", "--model", model, "--data", sftData, "--out", sftOut, "--epochs", "1", "--batch", "2", "--accum", "1", "--threads", "1", "--lr", "1e-4"));
        Assert.Contains("sft: 2 conversations (0 skipped)", sft.Out, StringComparison.Ordinal);
        Assert.Equal(QwenVLFamily.Qwen3VL, QwenVLModel.FamilyOf(Path.Combine(sftOut, "final")));

        var grpoOut = Path.Combine(_dir.FullName, "grpo-run");
        var grpo = Ok(await Run("grpo", "--model", Path.Combine(sftOut, "final"), "--data", Path.Combine(world, "train.jsonl"), "--out", grpoOut,
            "--schedule", """[{"max_completion_length": 6, "group_size": 2, "steps": 1}]""", "--prompts-per-step", "2", "--threads", "1"));
        Assert.Contains("grpo: 4 problems (0 skipped)", grpo.Out, StringComparison.Ordinal);
        Assert.Contains("finished after 1 steps", grpo.Out, StringComparison.Ordinal);
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(grpoOut, "final", "config.json"))))
            Assert.Equal("qwen3_vl", config.RootElement.GetProperty("model_type").GetString());

        var predictions = Path.Combine(_dir.FullName, "eval", "predictions.jsonl");
        var eval = Ok(await Run("evaluate-local", "--model", Path.Combine(grpoOut, "final"), "--problems", Path.Combine(world, "test.jsonl"), "--predictions", predictions,
            "--fp32", "--max-new-tokens", "4"));
        Assert.Contains("2 items (0 skipped)", eval.Out, StringComparison.Ordinal);
        Assert.Equal(2, File.ReadAllLines(predictions).Length);

        var generated = Ok(await Run("generate", "--model", model, "--image", Path.Combine(_dir.FullName, "a.png"), "--prompt", "How many shapes?",
            "--max-new-tokens", "4", "--seed", "1", "--dtype", "fp32"));
        // 56 px is scaled up to Qwen3-VL's 256² pixel floor: 16×16 patches of 16 px, 64 image tokens (Qwen2.5-VL's processor would give 4).
        Assert.Matches(@"prompt (6[4-9]|[7-9]\d) tokens", generated.Err);
    }
}
