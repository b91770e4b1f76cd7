using Microsoft.Extensions.AI;
using VisionR1.Data.Readers;
using VisionR1.Data.Synthetic;
using VisionR1.Grpo.Metrics;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Problems;
using VisionR1.Recipe;
using VisionR1.Runtime;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Trainer.Pipeline;

/// <summary>
/// `vr1 pipeline`: the synthetic world's own step (<see cref="PretrainBaseAsync"/>), then the Vision-R1 recipe from that base with
/// the synthetic teacher (<see cref="RunRecipeAsync"/>, also the real path's), then plots. All stages share one run folder.
/// </summary>
public sealed class PipelineRunner(PipelineOptions options, IRecipeProgress progress)
{
    /// <summary>The stage runner of the sample's own stages; its <see cref="StageRunner.Resumed"/> also lists the recipe's stages skipped as done.</summary>
    public StageRunner Stages { get; } = new(options.OutputDirectory);

    /// <summary>Runs (or resumes) the embedded run and returns the summary.</summary>
    public async Task<RecipeSummary> RunAsync(CancellationToken cancellationToken)
    {
        var (train, test, baseModel) = await PretrainBaseAsync(cancellationToken);
        var recipe = options.ToRecipe();
        using var teacher = new SyntheticTeacherChatClient(VisionR1Recipe.ColdStartPool(train, recipe),
            new SyntheticTeacherOptions { Seed = options.Seed, MaxExtraReflections = options.TeacherExtraReflections });
        return await RunRecipeAsync(recipe, baseModel, train, test, teacher, cancellationToken);
    }

    /// <summary>Runs (or resumes) <see cref="VisionR1Recipe"/> from <paramref name="baseModel"/> in this run's folder and draws the plots.</summary>
    public async Task<RecipeSummary> RunRecipeAsync(RecipeOptions recipeOptions, string baseModel, IReadOnlyList<MathProblem> train,
        IReadOnlyList<MathProblem> test, IChatClient teacher, CancellationToken cancellationToken)
    {
        var recipe = new VisionR1Recipe(recipeOptions with { OutputDirectory = Stages.Root }, progress);
        var summary = await recipe.RunAsync(baseModel, train, test, teacher, cancellationToken);
        Stages.Resumed.AddRange(recipe.Stages.Resumed);
        Reporting.MetricsPlots.DrawStandard(Path.Combine(Stages.Root, JsonlMetricsSink.MetricsFileName), Path.Combine(Stages.Root, "plots"), "pipeline");
        return summary;
    }

    /// <summary>
    /// The step before the recipe on the embedded run: renders the synthetic world, trains the compact tokenizer on it and
    /// pre-trains a model of <see cref="PipelineOptions.Preset"/> from scratch on captions, direct answers, worked solutions and
    /// arithmetic texts. Returns the world's splits and the base model's folder (Hugging Face layout with the tokenizer).
    /// </summary>
    public async Task<(List<MathProblem> Train, List<MathProblem> Test, string BaseModel)> PretrainBaseAsync(CancellationToken cancellationToken)
    {
        var o = options;
        await Stages.RunAsync(RecipeStages.World, (_, ct) => DataStages.SyntheticWorldAsync(Run(RecipeStages.World),
            new SyntheticWorldOptions { Seed = o.Seed, ImageSize = o.ImageSize, Difficulty = o.Difficulty }, o.TrainItems, o.TestItems, o.TestMultiStepShare, ct), cancellationToken);
        var worldDir = Stages.StageDirectory(RecipeStages.World);
        var train = await ProblemSource.ReadAllAsync(Path.Combine(worldDir, DataStages.WorldTrainFile), cancellationToken: cancellationToken);
        var test = await ProblemSource.ReadAllAsync(Path.Combine(worldDir, DataStages.WorldTestFile), cancellationToken: cancellationToken);
        await Stages.RunAsync(RecipeStages.Tokenizer, async (_, ct) => DataStages.CompactTokenizer(Run(RecipeStages.Tokenizer),
            await o.PretrainingMix().TokenizerCorpusAsync(train, new SyntheticTeacherOptions { Seed = o.Seed }, ct), Qwen25VLPresets.ByName(o.Preset).Text.VocabSize, ct), cancellationToken);
        var template = new ChatTemplate(TokenizerLoader.FromFolder(Stages.StageDirectory(RecipeStages.Tokenizer)), ChatTemplateOptions.NoSystemPrompt);
        var result = await Stages.RunAsync(RecipeStages.Base, (_, ct) =>
        {
            var model = new Qwen25VLModel(Qwen25VLPresets.ByName(o.Preset), VisionR1Runtime.ParseDevice(o.Device), o.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32);
            model.InitializeWeights(o.Seed);
            return Task.FromResult(TrainingStages.Sft(Run(RecipeStages.Base), model, template, o.PretrainingMix().Samples(train), o.Sft(basePretraining: true),
                $"pre-training a '{o.Preset}' model from scratch: captions, direct answers, {o.BaseWorkedShare:P0} worked solutions, {o.BaseArithmeticDrills} arithmetic texts",
                new ImageLoader(new ImageProcessor(), cacheBytes: 256L << 20), ct));
        }, cancellationToken);
        return (train, test, result.ModelDirectory);
    }

    private StageRun Run(string stage) => StageRun.In(Stages, stage, progress);
}
