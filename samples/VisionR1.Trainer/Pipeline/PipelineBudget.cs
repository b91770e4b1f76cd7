using VisionR1.Diagnostics;
using VisionR1.Model.Config;
using VisionR1.Recipe;
using static TorchSharp.torch;

namespace VisionR1.Trainer.Pipeline;

/// <summary>
/// Fits the embedded run to a wall-time budget when asked (<c>--budget MINUTES</c>; without it no size is cut): a probe times a
/// few base-pre-training-shaped steps, <see cref="Predict"/> scales the costs of a reference run (cost-references.json) by it,
/// and <see cref="RunBudget"/> picks the first rung of <see cref="Ladder"/> predicted within the budget.
/// </summary>
public static class PipelineBudget
{
    /// <summary>Tokens per row of the probe batch (a base sample: template, 16 image tokens, a caption or question and its answer).</summary>
    public const int ProbeTokens = 96;

    /// <summary>GRPO's cost with dynamic sampling over its cost without, at the default sizes.</summary>
    public const double DynamicSamplingGrpoCost = 1.3752974259139086;

    // The share of a GRPO step's cost that does not shrink with fewer prompts (generation's per-token passes).
    private const double GrpoFixedShare = 0.39;

    /// <summary>The reference runs (glibc, tcmalloc, tcmalloc fp32), from the sample's cost-references.json.</summary>
    public static IReadOnlyList<CostReference> References { get; } = CostReference.FromJson(
        new StreamReader(typeof(PipelineBudget).Assembly.GetManifestResourceStream("cost-references.json")!).ReadToEnd());

    /// <summary>The reference for this process's allocator and <paramref name="dtype"/> (<see cref="CostReference.ForThisProcess"/>).</summary>
    public static CostReference For(ScalarType dtype) => CostReference.ForThisProcess(References, dtype == ScalarType.Float32 ? "fp32" : "bf16");

    /// <summary>
    /// The default sizes, then each reduction on top of the previous: GRPO prompts per step halved, then GRPO steps per PTST
    /// stage halved, then base and CI epochs halved, the reduction that costs the most accuracy and so comes last.
    /// </summary>
    public static IReadOnlyList<(PipelineOptions Options, string Reductions)> Ladder(PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var l1 = options with { GrpoPromptsPerStep = Math.Max(1, options.GrpoPromptsPerStep / 2) };
        var l2 = l1 with { GrpoStepsPerStage = Math.Max(1, options.GrpoStepsPerStage / 2) };
        var l3 = l2 with { BaseEpochs = options.BaseModelDirectory is null ? Math.Max(1, options.BaseEpochs / 2) : options.BaseEpochs, CiEpochs = Math.Max(1, options.CiEpochs / 2) };
        string r1 = $"GRPO prompts per step {options.GrpoPromptsPerStep} -> {l1.GrpoPromptsPerStep}";
        string r2 = r1 + $", GRPO steps per PTST stage {options.GrpoStepsPerStage} -> {l2.GrpoStepsPerStage}";
        string r3 = r2 + (l3.BaseEpochs != options.BaseEpochs ? $", base epochs {options.BaseEpochs} -> {l3.BaseEpochs}" : "")
            + (l3.CiEpochs != options.CiEpochs ? $", CI epochs {options.CiEpochs} -> {l3.CiEpochs}" : "");
        return [(options, ""), (l1, r1), (l2, r2), (l3, r3)];
    }

    /// <summary>Predicted seconds of each part of a run with <paramref name="options"/> on a machine whose probe step took <paramref name="probeStepSeconds"/>.</summary>
    public static IReadOnlyDictionary<string, double> Predict(PipelineOptions options, double probeStepSeconds, CostReference? reference = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var r = reference ?? For(ScalarType.BFloat16);
        double baseSamples = Math.Ceiling((2 + options.BaseWorkedShare) * options.TrainItems) + options.BaseArithmeticDrills;
        double ciSteps = Math.Ceiling(r.Rates["filter_keep_rate"] * options.ColdStartItems / options.CiBatch) * options.CiEpochs;
        double sampling = (options.GrpoDynamicSampling ? DynamicSamplingGrpoCost : 1) / (r.Rates["dynamic_sampling"] > 0 ? DynamicSamplingGrpoCost : 1);
        int rlRuns = options.Variants.Count + options.ToRecipe().AblationStages().Count;
        double grpoSteps = 2.0 * options.GrpoStepsPerStage * rlRuns * sampling * (GrpoFixedShare + (1 - GrpoFixedShare) * options.GrpoPromptsPerStep / 16.0);
        double items = (options.TestItems + options.ProbeItems) / 1000.0;
        return r.Predict([(RecipeStages.Base, "base_step", options.BaseModelDirectory is null ? Math.Ceiling(baseSamples / options.BaseBatch) * options.BaseEpochs : 0), (RecipeStages.Ci, "ci_step", ciSteps),
            (RecipeStages.VisionR1, "grpo_step", grpoSteps), ("evaluations", "direct_eval_per_1000", items),
            ("evaluations", "cot_eval_per_1000", items * (1 + rlRuns + (options.BaseWorkedShare > 0 ? 1 : 0)))], probeStepSeconds);
    }

    /// <summary>The first rung of <see cref="Ladder"/> predicted within <paramref name="budgetSeconds"/> (<see cref="RunBudget.Fit"/>), with <paramref name="reference"/> or else <see cref="For"/> <paramref name="dtype"/>.</summary>
    public static (PipelineOptions Options, RunPlan Plan) Fit(PipelineOptions options, double probeStepSeconds, double budgetSeconds, string dtype, CostReference? reference = null)
    {
        var r = reference ?? For(dtype == "fp32" ? ScalarType.Float32 : ScalarType.BFloat16);
        return RunBudget.Fit(Ladder(options), (o, p) => Predict(o, p, r), probeStepSeconds, budgetSeconds, dtype);
    }

    /// <summary>Measured seconds of a run's stages (<see cref="RecipeSummary.StageSeconds"/>) gathered into the parts <see cref="Predict"/> names: each RL run (ablation stages
    /// included) in vision_r1, evaluations and probes in evaluations, the world, cold start and filter in fixed.</summary>
    public static IReadOnlyDictionary<string, double> MeasuredParts(IReadOnlyDictionary<string, double> stageSeconds)
    {
        ArgumentNullException.ThrowIfNull(stageSeconds);
        static string PartOf(string stage) => stage switch
        {
            RecipeStages.Base or RecipeStages.Ci => stage,
            RecipeStages.VisionR1 or RecipeStages.Zero or RecipeStages.Long => RecipeStages.VisionR1,
            _ when RecipeStages.IsAblation(stage, out _) => RecipeStages.VisionR1,
            _ when stage.StartsWith("eval_", StringComparison.Ordinal) || stage.StartsWith("probe_", StringComparison.Ordinal) => "evaluations",
            _ => "fixed",
        };
        return stageSeconds.GroupBy(kv => PartOf(kv.Key)).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value), StringComparer.Ordinal);
    }

    /// <summary>The plan saved in <paramref name="runDirectory"/> by an earlier start (a resumed run keeps its sizes), else a new one from a probe (<see cref="RunBudget.Resolve"/>).</summary>
    public static (PipelineOptions Options, RunPlan Plan, bool Reused) Resolve(PipelineOptions options, string runDirectory, double budgetSeconds,
        Device device, ScalarType dtype, CancellationToken cancellationToken) =>
        RunBudget.Resolve(Ladder(options), (o, p) => Predict(o, p, For(dtype)), runDirectory, budgetSeconds, dtype == ScalarType.BFloat16 ? "bf16" : "fp32",
            () => TrainStepTimer.ProbeSeconds(Qwen25VLPresets.ByName(options.Preset), dtype, device, options.BaseBatch, ProbeTokens, options.ImageSize, options.Seed, cancellationToken));
}
