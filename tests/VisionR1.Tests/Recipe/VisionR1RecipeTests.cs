using VisionR1.Data.Synthetic;
using VisionR1.Grpo.Evaluation;
using VisionR1.Grpo.Schedule;
using VisionR1.Grpo.Training;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Problems;
using VisionR1.Recipe;
using VisionR1.Runtime;
using VisionR1.Text;

namespace VisionR1.Tests.Recipe;

/// <summary>The recipe as a library call: from a saved base folder, synthetic problems and an in-process teacher.</summary>
public sealed class VisionR1RecipeTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-recipe-");

    public void Dispose()
    {
        try { _dir.Delete(true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task A_tiny_run_trains_every_model_with_the_zero_variant_evaluates_them_and_a_second_call_redoes_nothing()
    {
        var (baseDir, train, test) = TinySetup(_dir.FullName);
        var options = TinyOptions(Path.Combine(_dir.FullName, "run")) with { Variants = [RecipeStages.VisionR1, RecipeStages.Zero] };
        using var teacher = new SyntheticTeacherChatClient(VisionR1Recipe.ColdStartPool(train, options));

        var recipe = new VisionR1Recipe(options, new PlainProgress(TextWriter.Null));
        var summary = await recipe.RunAsync(baseDir, train, test, teacher);

        Assert.Equal([RecipeStages.Base, RecipeStages.Ci, RecipeStages.VisionR1, RecipeStages.Zero], summary.Stages.Keys.ToArray());
        Assert.All(summary.Stages.Values, e => Assert.Equal("cot", e.Mode));
        Assert.Equal(4, summary.TestItems);
        Assert.Equal(6, summary.Paired.Count);
        Assert.True(File.Exists(Path.Combine(options.OutputDirectory, "summary.json")));
        Assert.True(File.Exists(Path.Combine(options.OutputDirectory, "metrics.jsonl")));
        Assert.True(File.Exists(Path.Combine(options.OutputDirectory, RecipeStages.Zero, RecipeStages.ModelFolder, "model.safetensors")));
        Assert.Empty(recipe.Stages.Resumed);

        var again = new VisionR1Recipe(options, new PlainProgress(TextWriter.Null));
        var resumed = await again.RunAsync(baseDir, train, test, teacher);
        Assert.Equal(summary.Stages.Values.Select(e => e.Accuracy), resumed.Stages.Values.Select(e => e.Accuracy));
        Assert.Contains(RecipeStages.ColdStart, again.Stages.Resumed);
        Assert.Contains(RecipeStages.Eval(RecipeStages.Zero), again.Stages.Resumed);
        Assert.Equal(9, again.Stages.Resumed.Count);
    }

    /// <summary>A tiny base saved under <paramref name="folder"/> (CPU runtime initialised) and 12 training and 4 test problems of a small synthetic world.</summary>
    internal static (string BaseDir, List<MathProblem> Train, List<MathProblem> Test) TinySetup(string folder)
    {
        VisionR1Runtime.Initialize("cpu");
        var baseDir = SaveTinyBase(Path.Combine(folder, "base"), seed: 3);
        var world = new SyntheticWorldGenerator(new SyntheticWorldOptions { Seed = 2, ImageSize = 56 });
        return (baseDir, world.Generate(SyntheticSplit.Train, 12).ToList(), world.Generate(SyntheticSplit.Test, 4).ToList());
    }

    /// <summary>Recipe options with tiny sizes (fp32, one SFT epoch, two one-step PTST stages, short evaluations) writing to <paramref name="output"/>.</summary>
    internal static RecipeOptions TinyOptions(string output) => new()
    {
        OutputDirectory = output,
        DType = TorchSharp.torch.ScalarType.Float32,
        Seed = 1,
        ColdStartItems = 6,
        ColdStartSft = new SftOptions { Epochs = 1, MicroBatchSize = 2, GradientAccumulationSteps = 1, SaveEverySteps = 50 },
        Grpo = new GrpoOptions { Schedule = PtstSchedule.Halving(8, 2, 1), PromptsPerStep = 2, MicroBatchSize = 4, SaveEverySteps = 50 },
        Evaluation = new LocalEvaluationOptions { BatchSize = 4, MaxNewTokens = 12 },
    };

    /// <summary>Saves a randomly initialised tiny model with the compact tokenizer as a Hugging Face folder (a base to start the recipe from).</summary>
    internal static string SaveTinyBase(string folder, int seed)
    {
        using (var model = new Qwen25VLModel(Qwen25VLPresets.Tiny))
        {
            model.InitializeWeights(seed);
            model.SavePretrained(folder);
        }
        CompactTokenizerTrainer.TrainDefault().Save(folder);
        return folder;
    }

    [Fact]
    public void The_variants_take_their_schedules_from_ptst_and_the_defaults_are_the_papers()
    {
        var o = new RecipeOptions();
        Assert.Equal(PtstSchedule.Paper().ToString(), o.ScheduleOf(RecipeStages.VisionR1).ToString());
        Assert.Equal("zero 4096×16 for 200 steps", o.ScheduleOf(RecipeStages.Zero).ToString());
        Assert.Equal("long 8192×8 for 200 steps", o.ScheduleOf(RecipeStages.Long).ToString());
        Assert.Throws<ArgumentException>(() => o.ScheduleOf("other"));
        Assert.Equal(o.Seed + 2, o.GrpoOptionsFor(RecipeStages.Zero).Seed);
        Assert.Equal(2, o.ColdStartSft.Epochs);
        Assert.Equal(5e-6, o.ColdStartSft.LearningRate);
        Assert.Equal(32, o.ColdStartSft.MicroBatchSize * o.ColdStartSft.GradientAccumulationSteps);
        Assert.True(o.ColdStartSft.FreezeVisionTower);
        Assert.Equal(1e-2, o.Grpo.Loss.Beta);
    }

    [Fact]
    public void Settings_that_cannot_run_are_refused_naming_the_setting()
    {
        new RecipeOptions().Validate();
        Assert.Contains("Variants", Assert.Throws<ArgumentException>(() => new RecipeOptions { Variants = ["vision_r1", "short"] }.Validate()).Message);
        Assert.Contains("Until", Assert.Throws<ArgumentException>(() => new RecipeOptions { Until = "zero" }.Validate()).Message);
        Assert.Equal("ColdStartItems", Assert.Throws<ArgumentOutOfRangeException>(() => new RecipeOptions { ColdStartItems = 0 }.Validate()).ParamName);
        Assert.Equal("PromptsPerStep", Assert.Throws<ArgumentOutOfRangeException>(() => new RecipeOptions { Grpo = new GrpoOptions { PromptsPerStep = 0 } }.Validate()).ParamName);
    }
}
