using Microsoft.Extensions.AI;
using VisionR1.Data.Synthetic;
using VisionR1.Grpo.Metrics;
using VisionR1.Problems;
using VisionR1.Recipe;

namespace VisionR1.Trainer.Pipeline;

/// <summary>
/// `vr1 pipeline`: the synthetic world's own step (<see cref="PrepareBaseAsync"/>: a base pre-trained here or given), then the Vision-R1 recipe from that base with
/// the synthetic teacher (<see cref="RunRecipeAsync"/>, also the real path's), then plots. All stages share one run folder; the plan the run was
/// sized with, if any, goes into summary.json.
/// </summary>
public sealed class PipelineRunner(PipelineOptions options, IRecipeProgress progress, RunPlan? plan = null)
{
    /// <summary>The stage runner of the sample's own stages; its <see cref="StageRunner.Resumed"/> also lists the recipe's stages skipped as done.</summary>
    public StageRunner Stages { get; } = new(options.OutputDirectory);

    /// <summary>Runs (or resumes) the embedded run and returns the summary.</summary>
    public async Task<RecipeSummary> RunAsync(CancellationToken cancellationToken)
    {
        var b = await PrepareBaseAsync(cancellationToken);
        var recipe = options.ToRecipe() with { Plan = plan };
        using var teacher = new SyntheticTeacherChatClient(VisionR1Recipe.ColdStartPool(b.Train, recipe),
            new SyntheticTeacherOptions { Seed = options.Seed, MaxExtraReflections = options.TeacherExtraReflections });
        return await RunRecipeAsync(recipe, b.ModelDirectory, b.Train, b.Test, teacher, cancellationToken);
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

    /// <summary>What to do when <see cref="PipelineOptions.BaseModelDirectory"/> was trained on another world.</summary>
    public const string Remedy = "Run with --pretrain to pre-train a base on this run's world, build one with `vr1 pretrain --out DIR` and pass --base DIR, or set this run's world to the base's (--set Name=Value for each setting named above).";

    /// <summary>
    /// The step before the recipe on the embedded run: the world, the compact tokenizer and the base pre-trained from scratch on it
    /// (<see cref="BasePretraining.RunAsync"/>), or the base of <see cref="PipelineOptions.BaseModelDirectory"/> checked against the
    /// world (<see cref="BasePretraining.FromBaseAsync"/>), both seeded by <see cref="PipelineOptions.WorldSeed"/>.
    /// </summary>
    public Task<PretrainedBase> PrepareBaseAsync(CancellationToken cancellationToken) => options.BaseModelDirectory is { } dir
        ? BasePretraining.FromBaseAsync(Stages, options.ToBasePretraining(), dir, progress, Remedy, cancellationToken)
        : BasePretraining.RunAsync(Stages, options.ToBasePretraining(), progress, cancellationToken);

    private StageRun Run(string stage) => StageRun.In(Stages, stage, progress);
}
