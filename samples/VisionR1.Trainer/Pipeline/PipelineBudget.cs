using VisionR1.Model.Config;
using VisionR1.Recipe;
using VisionR1.Trainer.Bench;
using static TorchSharp.torch;

namespace VisionR1.Trainer.Pipeline;

/// <summary>
/// Fits the embedded run to a wall-time budget. At start-up it times a few base-pre-training-shaped steps (the model
/// preset, batch and precision of the run) and predicts every stage from that one number with the cost ratios of a
/// measured reference run; if the prediction exceeds the budget it applies the reductions of <see cref="Ladder"/> in
/// order until it fits. Every stage's cost scales with the same matrix throughput (fp32 on an AVX2-only CPU about 4×
/// bf16 with AVX-512 BF16, in base, CI and GRPO alike: 0.9/0.215, 1.07/0.25, 13/3.5 s a step).
/// </summary>
public static class PipelineBudget
{
    /// <summary>
    /// The default budget in minutes: 35 where the run trains in bf16 (a CPU with AVX-512 BF16 or AMX, or a GPU), so that a
    /// quiet 2-core AVX-512 BF16 machine (probe about 0.37 s, 33 minutes predicted) keeps the full sizes, which the science
    /// needs (2 Dec, reasoning split: at full sizes Vision-R1 59.3% against base 51.0%; with 8 GRPO prompts a step 49.8%;
    /// with every reduction 27.5% against 41.4%); 30 in fp32 (an AVX2-only CPU, whose bar is 30 minutes: the sizes are
    /// reduced, and the science does not hold there). Neither class meets its time bar and the science bar together.
    /// </summary>
    public static double DefaultMinutes(bool bf16) => bf16 ? 35 : 30;

    /// <summary>Tokens per row of the probe batch (a base sample: template, 16 image tokens, a caption or question and its answer).</summary>
    public const int ProbeTokens = 96;

    // Cost ratios of the reference default run (README, 2026-11-26: base 215 s for 1,000 steps, ci 98 s for 394 steps,
    // vision_r1 633 s for 180 steps of 16 prompts, evaluations 1.8 + 13.6 + 15.9 s on 500 items, about 10 s of world,
    // tokenizer, cold start and filter) over the probe step measured on that machine and precision (bf16, 2 cores).
    private const double ReferenceProbeSeconds = 0.215;
    private const double BaseStepUnits = 0.215 / ReferenceProbeSeconds;
    private const double CiStepUnits = 98.0 / 394 / ReferenceProbeSeconds;
    // A GRPO step is a fixed part (generation's per-token passes barely shrink with fewer prompts) plus a part per prompt:
    // 633 s / 180 steps of 16 prompts at a 0.215 s probe, and 762 s / 180 steps of 8 prompts at a 0.371 s probe (2 Dec).
    private const double GrpoStepUnitsPerPrompt = (633.0 / 180 / ReferenceProbeSeconds - 762.0 / 180 / 0.371) / 8;
    private const double GrpoStepUnitsFixed = 762.0 / 180 / 0.371 - 8 * GrpoStepUnitsPerPrompt;
    private const double CotEvalUnitsPer500 = 15.0 / ReferenceProbeSeconds;
    private const double DirectEvalUnitsPer500 = 1.8 / ReferenceProbeSeconds;
    private const double FixedSeconds = 12;
    private const double FilterKeepRate = 3151.0 / 4000;

    /// <summary>
    /// The default sizes, then each reduction on top of the previous: GRPO prompts per step halved (more prompts per step
    /// did not raise the gain), then 45 + 45 GRPO steps, then one base and one CI epoch instead of two, the reduction that
    /// costs the most accuracy (2 Dec: base 51.0% → 41.4%, CI 49.4% → 23.1% on the reasoning split) and so comes last.
    /// </summary>
    public static IReadOnlyList<(PipelineOptions Options, string Reductions)> Ladder(PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var l1 = options with { GrpoPromptsPerStep = Math.Max(1, options.GrpoPromptsPerStep / 2) };
        var l2 = l1 with { GrpoStepsPerStage = Math.Max(1, options.GrpoStepsPerStage / 2) };
        var l3 = l2 with { BaseEpochs = Math.Max(1, options.BaseEpochs / 2), CiEpochs = Math.Max(1, options.CiEpochs / 2) };
        string r1 = $"GRPO prompts per step {options.GrpoPromptsPerStep} -> {l1.GrpoPromptsPerStep}";
        string r2 = r1 + $", GRPO steps per PTST stage {options.GrpoStepsPerStage} -> {l2.GrpoStepsPerStage}";
        string r3 = r2 + $", base epochs {options.BaseEpochs} -> {l3.BaseEpochs}, CI epochs {options.CiEpochs} -> {l3.CiEpochs}";
        return [(options, ""), (l1, r1), (l2, r2), (l3, r3)];
    }

    /// <summary>Predicted seconds of each stage group of <paramref name="options"/> given the probe step time.</summary>
    public static IReadOnlyDictionary<string, double> Predict(PipelineOptions options, double probeStepSeconds)
    {
        ArgumentNullException.ThrowIfNull(options);
        double u = probeStepSeconds;
        int baseSamples = (int)Math.Ceiling((2 + options.BaseWorkedShare) * options.TrainItems) + options.BaseArithmeticDrills;
        double baseSteps = Math.Ceiling((double)baseSamples / options.BaseBatch) * options.BaseEpochs;
        double ciSteps = Math.Ceiling(FilterKeepRate * options.ColdStartItems / options.CiBatch) * options.CiEpochs;
        int grpoRuns = options.Variants.Count;
        double grpoSteps = 2.0 * options.GrpoStepsPerStage * grpoRuns;
        int cotModels = 1 + grpoRuns + (options.BaseWorkedShare > 0 ? 1 : 0);
        int directModels = 1;
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["fixed"] = FixedSeconds,
            [RecipeStages.Base] = baseSteps * BaseStepUnits * u,
            [RecipeStages.Ci] = ciSteps * CiStepUnits * u,
            [RecipeStages.VisionR1] = grpoSteps * (GrpoStepUnitsFixed + GrpoStepUnitsPerPrompt * options.GrpoPromptsPerStep) * u,
            ["evaluations"] = (options.TestItems + options.ProbeItems) / 500.0 * (directModels * DirectEvalUnitsPer500 + cotModels * CotEvalUnitsPer500) * u,
        };
    }

    /// <summary>The first level of <see cref="Ladder"/> predicted within <paramref name="budgetSeconds"/> (the last one if none is; level 0 without a budget).</summary>
    public static (PipelineOptions Options, RunPlan Plan) Fit(PipelineOptions options, double probeStepSeconds, double budgetSeconds, string dtype) =>
        RunBudget.Fit(Ladder(options), Predict, probeStepSeconds, budgetSeconds, dtype);

    /// <summary>Median seconds of three base-shaped training steps (after one warm-up) of the run's preset, batch and precision.</summary>
    public static double ProbeStepSeconds(PipelineOptions options, Device device, ScalarType dtype, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = Qwen25VLPresets.ByName(options.Preset);
        int side = Math.Max(2, options.ImageSize / config.Vision.PatchSize);
        side -= side % config.Vision.SpatialMergeSize;
        using var timer = new TrainStepTimer(config, dtype, device, options.BaseBatch, ProbeTokens, side, options.Seed);
        return timer.MedianSeconds(warmup: 1, steps: 3, cancellationToken);
    }

    /// <summary>The plan saved in <paramref name="runDirectory"/> by an earlier start (a resumed run keeps its sizes), else a new one from a probe (<see cref="RunBudget.Resolve"/>).</summary>
    public static (PipelineOptions Options, RunPlan Plan, bool Reused) Resolve(PipelineOptions options, string runDirectory, double budgetSeconds,
        Device device, ScalarType dtype, CancellationToken cancellationToken) =>
        RunBudget.Resolve(Ladder(options), Predict, runDirectory, budgetSeconds, dtype == ScalarType.BFloat16 ? "bf16" : "fp32",
            () => ProbeStepSeconds(options, device, dtype, cancellationToken));
}
