using System.Security.Cryptography;
using System.Text.Json;
using VisionR1.Grpo.Training;
using VisionR1.Recipe;
using VisionR1.Tests.Cli;
using VisionR1.Trainer.Cli;
using VisionR1.Trainer.Pipeline;

namespace VisionR1.Tests.Pipeline;

/// <summary>`vr1 pipeline --ablation`: the estimator ablation added to a run, reusing what the run already trained.</summary>
public sealed class PipelineAblationTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-pipeline-ablation-");

    public void Dispose()
    {
        try { _dir.Delete(true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task Ablation_all_on_a_finished_quick_run_trains_only_the_new_stages_and_writes_the_table()
    {
        var run = _dir.FullName;
        var (code, _, err) = await Vr1Cli.Run("pipeline", "--quick", "--out", run);
        Assert.True(code == 0, err);
        Assert.False(File.Exists(Path.Combine(run, AblationTable.FileName)));
        using (var plain = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json"))))
            Assert.False(plain.RootElement.TryGetProperty("ablation", out _));
        string[] kept =
        [
            "world/stage.json", "base/stage.json", "cold_start/stage.json", "ci/stage.json", "ci/metrics.jsonl", "ci/model/model.safetensors",
            "vision_r1/stage.json", "vision_r1/metrics.jsonl", "vision_r1/model/model.safetensors", "eval_ci/stage.json", "eval_ci/predictions.jsonl",
            "eval_vision_r1/stage.json", "eval_vision_r1/predictions.jsonl",
        ];
        var before = kept.ToDictionary(f => f, f => (Sha(run, f), File.GetLastWriteTimeUtc(Path.Combine(run, f))));

        var (again, stdout, stderr) = await Vr1Cli.Run("pipeline", "--quick", "--out", run, "--ablation", "all");

        Assert.True(again == 0, stderr);
        Assert.Equal(before, kept.ToDictionary(f => f, f => (Sha(run, f), File.GetLastWriteTimeUtc(Path.Combine(run, f)))));
        var resumed = stdout.Split('\n').Single(l => l.StartsWith("resumed (already finished): ", StringComparison.Ordinal));
        foreach (var stage in new[] { RecipeStages.World, RecipeStages.Base, RecipeStages.ColdStart, RecipeStages.Ci, RecipeStages.VisionR1, RecipeStages.Eval(RecipeStages.VisionR1) })
            Assert.Contains(" " + stage + ",", resumed + ",", StringComparison.Ordinal);
        var ablation = GrpoAlgorithmNames.All.Skip(1).Select(n => "vision_r1." + n).ToArray();
        Assert.DoesNotContain("vision_r1.", resumed, StringComparison.Ordinal);
        foreach (var stage in ablation)
        {
            Assert.True(File.Exists(Path.Combine(run, stage, "stage.json")), stage);
            Assert.True(File.Exists(Path.Combine(run, RecipeStages.Eval(stage), "predictions.jsonl")), stage);
        }

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
        var rows = summary.RootElement.GetProperty("ablation").EnumerateArray().ToList();
        Assert.Equal(GrpoAlgorithmNames.All, rows.Select(r => r.GetProperty("algorithm").GetString()!).ToArray());
        Assert.Equal([RecipeStages.VisionR1, .. ablation], rows.Select(r => r.GetProperty("stage").GetString()!).ToArray());
        var table = File.ReadAllText(Path.Combine(run, AblationTable.FileName));
        Assert.Contains("| dapo | vision_r1.dapo | ", table, StringComparison.Ordinal);
        Assert.Contains(table, stdout.Replace("\r\n", "\n"), StringComparison.Ordinal);
        Assert.Contains(AblationTable.FileName, stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dapo,ppo", "--ablation: Unknown algorithm 'ppo'; expected 'all' or names from grpo, dr_grpo, dapo, gspo, cispo, rloo, reinforce_pp")]
    [InlineData("gspo,gspo", "--ablation: Algorithm 'gspo' is listed twice")]
    public async Task A_bad_ablation_list_is_a_usage_error_naming_the_culprit(string list, string message)
    {
        var (code, _, err) = await Vr1Cli.Run("pipeline", "--quick", "--out", _dir.FullName, "--ablation", list);
        Assert.Equal(2, code);
        Assert.Contains(message, err, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.FullName));
    }

    [Fact]
    public async Task An_ablation_that_until_stops_before_or_one_given_through_set_is_refused()
    {
        var (code, _, err) = await Vr1Cli.Run("pipeline", "--quick", "--out", _dir.FullName, "--ablation", "dapo", "--until", "ci");
        Assert.Equal(2, code);
        Assert.Contains("--ablation trains GRPO stages from ci, which --until ci stops before.", err, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.FullName));
        Assert.Contains("Ablation has its own command-line option", Assert.Throws<ArgumentException>(() => PipelineOverrides.Apply(PipelineOptions.Quick, ["Ablation=dapo"])).Message);
    }

    [Fact]
    public void The_parsed_list_reaches_the_recipe_and_the_budget_counts_its_stages()
    {
        var options = PipelineOptions.Default with { Ablation = GrpoAlgorithmNames.ParseList("dr_grpo,grpo,gspo") };
        Assert.Equal(["vision_r1.dr_grpo", "vision_r1.gspo"], options.ToRecipe().AblationStages());
        var plain = PipelineBudget.Predict(PipelineOptions.Default, 0.1);
        var ablation = PipelineBudget.Predict(options, 0.1);
        Assert.Equal(3 * plain[RecipeStages.VisionR1], ablation[RecipeStages.VisionR1], 9);
        Assert.Equal(plain[RecipeStages.Ci], ablation[RecipeStages.Ci]);
        Assert.True(ablation["evaluations"] > plain["evaluations"]);
    }

    private static string Sha(string run, string file) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(run, file))));
}
