using VisionR1.Model.Config;
using VisionR1.Recipe;
using VisionR1.Runtime;
using VisionR1.Diagnostics;
using static TorchSharp.torch;

namespace VisionR1.Trainer.Pipeline;

/// <summary>
/// Fits the embedded run to a wall-time budget when asked (<c>--budget MINUTES</c>; without it no size is cut): a probe times a
/// few base-pre-training-shaped steps, <see cref="Predict"/> scales a reference run's costs (<see cref="CostRatios"/>) by it,
/// and <see cref="RunBudget"/> picks the first rung of <see cref="Ladder"/> predicted within the budget.
/// </summary>
public static class PipelineBudget
{
    /// <summary>Tokens per row of the probe batch (a base sample: template, 16 image tokens, a caption or question and its answer).</summary>
    public const int ProbeTokens = 96;

    /// <summary>
    /// A reference run's costs and its probe step: seconds per step of base, CI and GRPO (16 prompts), of a direct and a think/answer
    /// evaluation of 1,000 items, the fixed part (not scaled), the filter's keep rate and whether its GRPO sampled dynamically.
    /// </summary>
    public sealed record CostRatios(string Name, double ProbeSeconds, double BaseStepSeconds, double CiStepSeconds, double GrpoStepSeconds,
        double DirectEvalSecondsPer1000, double CotEvalSecondsPer1000, double FixedSeconds, double FilterKeepRate, bool DynamicSampling = false);

    /// <summary>GRPO's cost with dynamic sampling over its cost without, at the default sizes.</summary>
    public const double DynamicSamplingGrpoCost = 635.8 / 462.3;

    /// <summary>Reference costs with glibc's malloc (bf16, 2 CI epochs, no dynamic sampling).</summary>
    public static CostRatios Glibc { get; } = new("glibc", 0.367, 1059.1 / 1438, 274.1 / 399, 976.4 / 180, 7.0, 27.8, 16, 3185.0 / 4000);

    /// <summary>Reference costs with tcmalloc (bf16, the default command).</summary>
    public static CostRatios Tcmalloc { get; } = new("tcmalloc", 0.337, 483.0 / 1438, 231.8 / 788, 617.4 / 180, 2.3, 11.6, 14.3, 3151.0 / 4000, DynamicSampling: true);

    /// <summary>Reference costs with tcmalloc in fp32 (the default command; its stages do not scale from bf16 alike).</summary>
    public static CostRatios TcmallocFp32 { get; } = new("tcmalloc fp32", 0.812, 1055.2 / 1438, 524.9 / 788, 1103.4 / 180, 5.5, 17.1, 16.5, 3151.0 / 4000, DynamicSampling: true);

    /// <summary>The bf16 ratios for the allocator serving this process.</summary>
    public static CostRatios ForThisProcess => For(ScalarType.BFloat16);

    /// <summary>The ratios for this process's allocator (<see cref="NativeAllocator.LoadedReplacement"/>) and the run's precision.</summary>
    public static CostRatios For(ScalarType dtype) =>
        NativeAllocator.LoadedReplacement() is { } lib && lib.Contains("tcmalloc", StringComparison.Ordinal) ? dtype == ScalarType.Float32 ? TcmallocFp32 : Tcmalloc : Glibc;

    // The share of a GRPO step's cost that does not shrink with fewer prompts (generation's per-token passes).
    private const double GrpoFixedShare = 0.39;

    /// <summary>
    /// The default sizes, then each reduction on top of the previous: GRPO prompts per step halved, then GRPO steps per PTST
    /// stage halved, then base and CI epochs halved, the reduction that costs the most accuracy and so comes last.
    /// </summary>
    public static IReadOnlyList<(PipelineOptions Options, string Reductions)> Ladder(PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var l1 = options with { GrpoPromptsPerStep = Math.Max(1, options.GrpoPromptsPerStep / 2) };
        var l2 = l1 with { GrpoStepsPerStage = Math.Max(1, options.GrpoStepsPerStage / 2) };
        var l3 = l2 with { BaseEpochs = Math.Max(1, options.BaseEpochs / 2), CiEpochs = Math.Max(1, options.CiEpochs / 2) };
        string r1 = $"GRPO prompts per step {options.GrpoPromptsPerStep} -> {l1.GrpoPromptsPerStep}";
        string r2 = r1 + $", GRPO steps per PTST stage {options.GrpoStepsPerStage} -> {l2.GrpoStepsPerStage}";
        string r3 = r2 + (l3.BaseEpochs != options.BaseEpochs ? $", base epochs {options.BaseEpochs} -> {l3.BaseEpochs}" : "")
            + (l3.CiEpochs != options.CiEpochs ? $", CI epochs {options.CiEpochs} -> {l3.CiEpochs}" : "");
        return [(options, ""), (l1, r1), (l2, r2), (l3, r3)];
    }

    /// <summary>Predicted seconds of each stage group of <paramref name="options"/> given the probe step time and the cost ratios (default <see cref="ForThisProcess"/>, the bf16 ones).</summary>
    public static IReadOnlyDictionary<string, double> Predict(PipelineOptions options, double probeStepSeconds, CostRatios? ratios = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var r = ratios ?? ForThisProcess;
        double u = probeStepSeconds / r.ProbeSeconds;
        int baseSamples = (int)Math.Ceiling((2 + options.BaseWorkedShare) * options.TrainItems) + options.BaseArithmeticDrills;
        double baseSteps = Math.Ceiling((double)baseSamples / options.BaseBatch) * options.BaseEpochs;
        double ciSteps = Math.Ceiling(r.FilterKeepRate * options.ColdStartItems / options.CiBatch) * options.CiEpochs;
        int grpoRuns = options.Variants.Count;
        double grpoSteps = 2.0 * options.GrpoStepsPerStage * grpoRuns;
        double sampling = (options.GrpoDynamicSampling ? DynamicSamplingGrpoCost : 1) / (r.DynamicSampling ? DynamicSamplingGrpoCost : 1);
        int cotModels = 1 + grpoRuns + (options.BaseWorkedShare > 0 ? 1 : 0);
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["fixed"] = r.FixedSeconds,
            [RecipeStages.Base] = baseSteps * r.BaseStepSeconds * u,
            [RecipeStages.Ci] = ciSteps * r.CiStepSeconds * u,
            [RecipeStages.VisionR1] = grpoSteps * r.GrpoStepSeconds * sampling * (GrpoFixedShare + (1 - GrpoFixedShare) * options.GrpoPromptsPerStep / 16.0) * u,
            ["evaluations"] = (options.TestItems + options.ProbeItems) / 1000.0 * (r.DirectEvalSecondsPer1000 + cotModels * r.CotEvalSecondsPer1000) * u,
        };
    }

    /// <summary>
    /// The first level of <see cref="Ladder"/> predicted within <paramref name="budgetSeconds"/> (the last one if none is; level 0 without a budget),
    /// with <paramref name="ratios"/> or else those of this process's allocator and <paramref name="dtype"/> (<see cref="For"/>).
    /// </summary>
    public static (PipelineOptions Options, RunPlan Plan) Fit(PipelineOptions options, double probeStepSeconds, double budgetSeconds, string dtype, CostRatios? ratios = null)
    {
        var r = ratios ?? For(dtype == "fp32" ? ScalarType.Float32 : ScalarType.BFloat16);
        return RunBudget.Fit(Ladder(options), (o, p) => Predict(o, p, r), probeStepSeconds, budgetSeconds, dtype);
    }

    /// <summary>Median seconds of three base-shaped training steps (after one warm-up) of the run's preset, batch and precision.</summary>
    public static double ProbeStepSeconds(PipelineOptions options, Device device, ScalarType dtype, CancellationToken cancellationToken) =>
        TrainStepTimer.ProbeSeconds(Qwen25VLPresets.ByName(options.Preset), dtype, device, options.BaseBatch, ProbeTokens, options.ImageSize, options.Seed, cancellationToken);

    /// <summary>The plan saved in <paramref name="runDirectory"/> by an earlier start (a resumed run keeps its sizes), else a new one from a probe (<see cref="RunBudget.Resolve"/>).</summary>
    public static (PipelineOptions Options, RunPlan Plan, bool Reused) Resolve(PipelineOptions options, string runDirectory, double budgetSeconds,
        Device device, ScalarType dtype, CancellationToken cancellationToken, CostRatios? ratios = null) =>
        RunBudget.Resolve(Ladder(options), (o, p) => Predict(o, p, ratios ??= For(dtype)), runDirectory, budgetSeconds, dtype == ScalarType.BFloat16 ? "bf16" : "fp32",
            () => ProbeStepSeconds(options, device, dtype, cancellationToken));
}
