using VisionR1.Recipe;
using System.Text.Json;
using VisionR1.Trainer.Cli;
using VisionR1.Trainer.Pipeline;

namespace VisionR1.Tests.Pipeline;

/// <summary>`vr1 pipeline --set Name=Value` and `--until STAGE`.</summary>
public sealed class PipelineOverridesTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-overrides-");

    public void Dispose()
    {
        try { _dir.Delete(true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public void Overrides_set_ints_doubles_bools_and_nested_difficulty_and_keep_everything_else()
    {
        var o = PipelineOverrides.Apply(PipelineOptions.Default,
            ["TrainItems=6000", "grpolearningrate=3e-4", "GrpoTemperature=0.7", "Difficulty.MaxShapes=4", "Preset=tiny"]);
        Assert.Equal(6000, o.TrainItems);
        Assert.Equal(3e-4, o.GrpoLearningRate);
        Assert.Equal(0.7, o.GrpoTemperature);
        Assert.Equal(4, o.Difficulty.MaxShapes);
        Assert.Equal(PipelineOptions.Default.Difficulty.MaxColors, o.Difficulty.MaxColors);
        Assert.Equal("tiny", o.Preset);
        Assert.Equal(PipelineOptions.Default with
        {
            TrainItems = 6000, GrpoLearningRate = 3e-4, GrpoTemperature = 0.7, Preset = "tiny",
            Difficulty = PipelineOptions.Default.Difficulty with { MaxShapes = 4 },
            Variants = o.Variants,
        }, o);
        Assert.Equal(PipelineOptions.Default.Variants, o.Variants);
        Assert.Same(PipelineOptions.Quick, PipelineOverrides.Apply(PipelineOptions.Quick, []));
    }

    [Fact]
    public void Grpo_runs_sample_dynamically_by_default_and_the_overrides_reach_the_trainer()
    {
        var recipe = PipelineOptions.Default.ToRecipe();
        var defaults = recipe.GrpoOptionsFor(RecipeStages.VisionR1);
        Assert.True(defaults.DynamicSampling);
        Assert.Equal(3, defaults.MaxRefillRounds);
        Assert.Equal(PipelineOptions.Default.GrpoPromptsPerStep, defaults.PromptsPerStep);
        Assert.Equal(1e-2, defaults.Loss.Beta);
        Assert.Same(recipe.Grpo.Schedule, defaults.Schedule);
        Assert.Equal("ptst-1 128×8 for 90 steps → ptst-2 256×4 for 90 steps", defaults.Schedule.ToString());

        var o = PipelineOverrides.Apply(PipelineOptions.Default, ["GrpoDynamicSampling=false", "GrpoMaxRefillRounds=0", "GrpoPromptsPerStep=8"]) with { Seed = 5 };
        var changed = o.ToRecipe().GrpoOptionsFor(RecipeStages.Zero);
        Assert.False(changed.DynamicSampling);
        Assert.Equal(0, changed.MaxRefillRounds);
        Assert.Equal(8, changed.PromptsPerStep);
        Assert.Equal(7, changed.Seed);
        Assert.Equal("zero 128×8 for 180 steps", changed.Schedule.ToString());
        Assert.Equal("long 256×4 for 180 steps", o.ToRecipe().ScheduleOf(RecipeStages.Long).ToString());
    }

    [Theory]
    [InlineData("TrainItems", "not Name=Value")]
    [InlineData("NoSuchOption=3", "no option 'NoSuchOption'")]
    [InlineData("Difficulty.Nope=3", "no option 'Difficulty.Nope'")]
    [InlineData("TrainItems=many", "expected a number")]
    [InlineData("Seed=3", "its own command-line option")]
    [InlineData("Difficulty=3", "not a single value")]
    [InlineData("TrainItems=2.5", "TrainItems")]
    public void Bad_overrides_are_refused_with_a_message_naming_them(string item, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => PipelineOverrides.Apply(PipelineOptions.Default, [item]));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public async Task Until_base_trains_and_evaluates_only_the_base_with_overridden_sizes()
    {
        var output = new StringWriter();
        int rc = await CommandLine.RunAsync(["pipeline", "--quick", "--out", _dir.FullName, "--until", "base", "--set", "TestItems=5"], output, output, CancellationToken.None);
        Assert.True(rc == 0, output.ToString());
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.FullName, "summary.json")));
        Assert.Equal(5, summary.RootElement.GetProperty("test_items").GetInt32());
        Assert.Equal(["base", "base_cot"], summary.RootElement.GetProperty("stages").EnumerateObject().Select(p => p.Name).ToArray());
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, RecipeStages.Ci)));
    }

    [Fact]
    public async Task Cli_rejects_an_unknown_until_stage_and_a_bad_override()
    {
        var output = new StringWriter();
        Assert.NotEqual(0, await CommandLine.RunAsync(["pipeline", "--quick", "--out", _dir.FullName, "--until", "filter"], output, output, CancellationToken.None));
        Assert.Contains("--until must be base, ci or vision_r1", output.ToString());
        output = new StringWriter();
        Assert.NotEqual(0, await CommandLine.RunAsync(["pipeline", "--quick", "--out", _dir.FullName, "--set", "Bogus=1"], output, output, CancellationToken.None));
        Assert.Contains("no option 'Bogus'", output.ToString());
    }
}
