using System.Text.Json;
using VisionR1.Model;
using VisionR1.Recipe;
using VisionR1.Runtime;
using VisionR1.Trainer.Pipeline;
using static VisionR1.Tests.Cli.Vr1Cli;

namespace VisionR1.Tests.Pipeline;

/// <summary>`vr1 pipeline --family qwen3-vl`: the embedded run on a Qwen3-VL base pre-trained in the run.</summary>
public sealed class PipelineQwen3VLTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-pipeline-qwen3-");

    public void Dispose()
    {
        try { _dir.Delete(true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task Quick_run_of_the_qwen3_vl_family_trains_every_stage_as_a_qwen3_vl_model_and_evaluates_each()
    {
        var run = await Run("pipeline", "--quick", "--family", "qwen3-vl", "--dtype", "fp32", "--out", _dir.FullName);
        Assert.True(run.Code == 0, run.Out + run.Err);
        Assert.Contains("Qwen3-VL 'tiny' model from scratch", run.Out, StringComparison.Ordinal);

        VisionR1Runtime.Initialize("cpu");
        foreach (var stage in new[] { RecipeStages.Base, RecipeStages.Ci, RecipeStages.VisionR1 })
        {
            var folder = Path.Combine(_dir.FullName, stage, RecipeStages.ModelFolder);
            using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "config.json")));
            Assert.Equal("qwen3_vl", config.RootElement.GetProperty("model_type").GetString());
            using var model = QwenVLModel.FromPretrained(folder);
            Assert.Equal(QwenVLFamily.Qwen3VL, model.Family);
        }
        Assert.Equal(QwenVLFamily.Qwen3VL, BaseProvenance.Read(Path.Combine(_dir.FullName, RecipeStages.Base, RecipeStages.ModelFolder)).Options.Family);

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.FullName, "summary.json")));
        var stages = summary.RootElement.GetProperty("stages");
        Assert.Equal(["base", "base_cot", "ci", "vision_r1"], stages.EnumerateObject().Select(p => p.Name).ToArray());
        foreach (var stage in stages.EnumerateObject())
        {
            foreach (var key in new[] { "accuracy", "format_rate", "mean_completion_tokens", "ci_lower", "ci_upper" })
                Assert.True(stage.Value.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number, $"{stage.Name}.{key}");
            Assert.Equal(PipelineOptions.Quick.TestItems, stage.Value.GetProperty("items").GetInt32());
            Assert.Equal(PipelineOptions.Quick.TestItems, File.ReadAllLines(Path.Combine(_dir.FullName, "eval_" + stage.Name, "predictions.jsonl")).Length);
        }
    }

    [Fact]
    public async Task The_family_is_the_embedded_runs_and_names_a_known_family_and_preset()
    {
        var model = Directory.CreateDirectory(Path.Combine(_dir.FullName, "model")).FullName;
        var real = await Run("pipeline", "--family", "qwen3-vl", "--model", model, "--train", "t.jsonl", "--eval", "e.jsonl", "--out", Path.Combine(_dir.FullName, "r"));
        Assert.Equal(2, real.Code);
        Assert.Contains("--family is the embedded run's", real.Err, StringComparison.Ordinal);
        var unknown = await Run("pipeline", "--quick", "--family", "qwen4-vl", "--out", Path.Combine(_dir.FullName, "u"));
        Assert.Equal(2, unknown.Code);
        Assert.Contains("qwen3-vl", unknown.Err, StringComparison.Ordinal);
        var medium = await Run("pretrain", "--family", "qwen3-vl", "--preset", "medium", "--out", Path.Combine(_dir.FullName, "m"));
        Assert.Equal(2, medium.Code);
        Assert.Contains("tiny or small", medium.Err, StringComparison.Ordinal);
        var budget = await Run("pipeline", "--family", "qwen3-vl", "--budget", "5", "--out", Path.Combine(_dir.FullName, "b"));
        Assert.Equal(2, budget.Code);
        Assert.Contains("--budget", budget.Err, StringComparison.Ordinal);
        var overridden = await Run("pipeline", "--quick", "--set", "Family=Qwen3VL", "--out", Path.Combine(_dir.FullName, "s"));
        Assert.Equal(2, overridden.Code);
        Assert.Contains("own command-line option", overridden.Err, StringComparison.Ordinal);
    }
}
