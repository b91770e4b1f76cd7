using System.Text.Json;
using VisionR1.Data.Benchmarks;
using VisionR1.Data.Synthetic;
using VisionR1.Grpo.Evaluation;
using VisionR1.Grpo.Training;
using VisionR1.Recipe;

namespace VisionR1.Tests.Recipe;

/// <summary>The estimator ablation: more GRPO stages from the CI model, one per algorithm, compared with CI.</summary>
public sealed class EstimatorAblationTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-ablation-");

    public void Dispose()
    {
        try { _dir.Delete(true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public void Ablation_stages_are_named_after_their_algorithm_and_the_runs_own_algorithm_gets_none()
    {
        Assert.Equal("vision_r1.dapo", RecipeStages.Ablation(GrpoAlgorithm.Dapo));
        Assert.Equal("vision_r1.reinforce_pp", RecipeStages.Ablation(GrpoAlgorithm.ReinforcePlusPlus));
        foreach (var a in Enum.GetValues<GrpoAlgorithm>())
            Assert.True(RecipeStages.IsAblation(RecipeStages.Ablation(a), out var parsed) && parsed == a);
        foreach (var stage in new[] { RecipeStages.VisionR1, RecipeStages.Zero, "vision_r1.ppo", "vision_r1.DAPO", "zero.dapo", "", null })
            Assert.False(RecipeStages.IsAblation(stage, out _), stage);

        var options = new RecipeOptions { Ablation = [GrpoAlgorithm.Gspo, GrpoAlgorithm.Grpo, GrpoAlgorithm.Dapo] };
        Assert.Equal(["vision_r1.gspo", "vision_r1.dapo"], options.AblationStages());
        var dapoRun = options with { Grpo = new GrpoOptions { Algorithm = GrpoAlgorithm.Dapo } };
        Assert.Equal(["vision_r1.gspo", "vision_r1.grpo"], dapoRun.AblationStages());
        Assert.Empty(new RecipeOptions().AblationStages());
        Assert.Empty(new RecipeOptions { Ablation = [GrpoAlgorithm.Grpo] }.AblationStages());
    }

    [Fact]
    public void An_ablation_stage_trains_with_vision_r1s_options_schedule_and_seed_and_its_own_algorithm_where_none_is_set()
    {
        var options = new RecipeOptions { Seed = 5, Grpo = new GrpoOptions { LearningRate = 3e-5, DynamicSampling = false } };
        var vision = options.GrpoOptionsFor(RecipeStages.VisionR1);
        var dapo = options.GrpoOptionsFor(RecipeStages.Ablation(GrpoAlgorithm.Dapo));
        Assert.Equal(GrpoAlgorithm.Grpo, vision.Algorithm);
        Assert.Equal(GrpoAlgorithm.Dapo, dapo.Algorithm);
        Assert.Equal(vision.Schedule.ToString(), dapo.Schedule.ToString());
        Assert.Equal(options.ScheduleOf(RecipeStages.VisionR1), options.ScheduleOf(RecipeStages.Ablation(GrpoAlgorithm.Gspo)));
        Assert.Equal(7, dapo.Seed);
        Assert.Equal(3e-5, dapo.LearningRate);
        Assert.Equal(AlgorithmDefaults.For(GrpoAlgorithm.Dapo).Loss, dapo.Loss);
        Assert.True(dapo.MaskTruncatedCompletions);
        Assert.False(dapo.DynamicSampling); // set explicitly by the run: kept, as `vr1 grpo` keeps an explicit option
        Assert.Equal(AlgorithmDefaults.For(GrpoAlgorithm.Rloo).Advantages, options.GrpoOptionsFor(RecipeStages.Ablation(GrpoAlgorithm.Rloo)).Advantages);
        Assert.Equal(vision with { Algorithm = GrpoAlgorithm.Cispo }, options.GrpoOptionsFor(RecipeStages.Ablation(GrpoAlgorithm.Cispo)));
    }

    [Fact]
    public void An_ablation_with_a_repeated_or_unknown_algorithm_or_one_that_until_stops_before_is_refused()
    {
        new RecipeOptions { Ablation = Enum.GetValues<GrpoAlgorithm>() }.Validate();
        new RecipeOptions { Ablation = [GrpoAlgorithm.Grpo], Until = RecipeStages.Ci }.Validate(); // nothing to train
        var twice = Assert.Throws<ArgumentException>(() => new RecipeOptions { Ablation = [GrpoAlgorithm.Dapo, GrpoAlgorithm.Gspo, GrpoAlgorithm.Dapo] }.Validate());
        Assert.Equal("Ablation", twice.ParamName);
        Assert.Contains("dapo, gspo, dapo", twice.Message);
        Assert.Equal("Ablation", Assert.Throws<ArgumentOutOfRangeException>(() => new RecipeOptions { Ablation = [(GrpoAlgorithm)99] }.Validate()).ParamName);
        var until = Assert.Throws<ArgumentException>(() => new RecipeOptions { Ablation = [GrpoAlgorithm.Dapo], Until = RecipeStages.Ci }.Validate());
        Assert.Contains("Until = ci", until.Message);
    }

    [Fact]
    public void The_table_pairs_each_algorithm_with_ci_and_reads_points_p_tokens_and_stage_seconds()
    {
        var summary = new RecipeSummary(
            new Dictionary<string, LocalEvaluation> { ["ci"] = Eval(0.5, 40), ["vision_r1"] = Eval(0.6, 50), ["vision_r1.dapo"] = Eval(0.47, 61.27) },
            100, 1000, new Dictionary<string, double> { ["ci"] = 10, ["vision_r1"] = 120.4, ["vision_r1.dapo"] = 130.6 }, false, 3)
        {
            Paired =
            [
                new PairedComparison(100, 15, 5, 0.041) { First = "vision_r1", Second = "ci" },
                new PairedComparison(100, 4, 7, 0.55) { First = "vision_r1.dapo", Second = "ci" },
                new PairedComparison(100, 2, 15, 0.002) { First = "vision_r1.dapo", Second = "vision_r1" },
            ],
        };
        var rows = AblationTable.Rows(summary, GrpoAlgorithm.Grpo);
        Assert.Equal(
            [new AblationResult("grpo", "vision_r1", 0.6, 0.1, 0.041, 50, 120.4), new AblationResult("dapo", "vision_r1.dapo", 0.47, -0.03, 0.55, 61.27, 130.6)],
            rows.Select(r => r with { MarginOverCi = Math.Round(r.MarginOverCi, 12) }));
        Assert.Null(AblationTable.Markdown(summary));
        var lines = AblationTable.Markdown(summary with { Ablation = rows })!.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("seed 3, 100 held-out items", lines[0], StringComparison.Ordinal);
        Assert.Equal(
        [
            "| algorithm | stage | accuracy | over CI (points) | McNemar p | mean completion tokens | stage seconds |",
            "|---|---|---:|---:|---:|---:|---:|",
            "| (start) | ci | 50.0% | | | 40.0 | |",
            "| grpo | vision_r1 | 60.0% | +10.0 | 0.041 | 50.0 | 120 |",
            "| dapo | vision_r1.dapo | 47.0% | -3.0 | 0.55 | 61.3 | 131 |",
        ], lines[3..8]);

        Assert.Empty(AblationTable.Rows(summary with { Stages = summary.Stages.Where(s => s.Key != "vision_r1.dapo").ToDictionary() }, GrpoAlgorithm.Grpo));
        Assert.Throws<InvalidDataException>(() => AblationTable.Rows(summary with { Paired = summary.Paired.Skip(1).ToList() }, GrpoAlgorithm.Grpo));
    }

    [Fact]
    public async Task A_tiny_run_with_two_ablation_algorithms_trains_evaluates_and_compares_each_from_ci()
    {
        var (baseDir, train, test) = VisionR1RecipeTests.TinySetup(_dir.FullName);
        var options = VisionR1RecipeTests.TinyOptions(Path.Combine(_dir.FullName, "run")) with { Ablation = [GrpoAlgorithm.Dapo, GrpoAlgorithm.Grpo, GrpoAlgorithm.Cispo] };
        using var teacher = new SyntheticTeacherChatClient(VisionR1Recipe.ColdStartPool(train, options));
        var progress = new StringWriter();

        var summary = await new VisionR1Recipe(options, new PlainProgress(progress)).RunAsync(baseDir, train, test, teacher);

        string[] ablation = ["vision_r1.dapo", "vision_r1.cispo"];
        Assert.Equal([RecipeStages.Base, RecipeStages.Ci, RecipeStages.VisionR1, .. ablation], summary.Stages.Keys.ToArray());
        Assert.False(Directory.Exists(Path.Combine(options.OutputDirectory, "vision_r1.grpo")));
        foreach (var stage in ablation)
        {
            Assert.True(File.Exists(Path.Combine(options.OutputDirectory, stage, RecipeStages.ModelFolder, "model.safetensors")), stage);
            Assert.Equal(test.Count, File.ReadAllLines(Path.Combine(options.OutputDirectory, RecipeStages.Eval(stage), "predictions.jsonl")).Length);
            Assert.True(summary.StageSeconds[stage] > 0, stage);
        }
        Assert.Contains("[vision_r1.dapo] GRPO (dapo) ", progress.ToString(), StringComparison.Ordinal);
        Assert.Contains("[vision_r1.cispo] GRPO (cispo) ", progress.ToString(), StringComparison.Ordinal);

        // The main models are paired as before; each ablation stage only with ci and vision_r1.
        Assert.Equal(3 + 2 * 2, summary.Paired.Count);
        foreach (var stage in ablation)
            Assert.Equal(["ci", "vision_r1"], summary.Paired.Where(p => p.First == stage).Select(p => p.Second!).ToArray());

        var rows = summary.Ablation!;
        Assert.Equal(["grpo", "dapo", "cispo"], rows.Select(r => r.Algorithm).ToArray());
        Assert.Equal([RecipeStages.VisionR1, .. ablation], rows.Select(r => r.Stage).ToArray());
        foreach (var r in rows)
        {
            Assert.Equal(summary.Stages[r.Stage].Accuracy, r.Accuracy);
            Assert.Equal(summary.Stages[r.Stage].Accuracy - summary.Stages[RecipeStages.Ci].Accuracy, r.MarginOverCi, 12);
            Assert.Equal(summary.Stages[r.Stage].MeanCompletionTokens, r.MeanCompletionTokens);
            Assert.Equal(summary.StageSeconds[r.Stage], r.StageSeconds);
            Assert.InRange(r.PValueVsCi, 0, 1);
        }
        Assert.Equal(AblationTable.Markdown(summary), File.ReadAllText(Path.Combine(options.OutputDirectory, AblationTable.FileName)));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(options.OutputDirectory, "summary.json")));
        var saved = json.RootElement.GetProperty("ablation").EnumerateArray().ToList();
        Assert.Equal(["grpo", "dapo", "cispo"], saved.Select(r => r.GetProperty("algorithm").GetString()!).ToArray());
        Assert.All(saved, r => Assert.True(r.TryGetProperty("p_value_vs_ci", out _) && r.TryGetProperty("margin_over_ci", out _) && r.TryGetProperty("stage_seconds", out _)));
    }

    private static LocalEvaluation Eval(double accuracy, double tokens) => new()
    {
        Items = 100, Correct = (int)Math.Round(100 * accuracy), Accuracy = accuracy, CiLower = 0, CiUpper = 1, FormatRate = 1,
        MeanCompletionTokens = tokens, ReflectiveRate = 0, ClippedRate = 0, Mode = "cot", Seconds = 1,
    };
}
