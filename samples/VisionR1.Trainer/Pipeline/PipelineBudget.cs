using VisionR1.Model.Config;
using VisionR1.Recipe;
using VisionR1.Trainer.Bench;
using static TorchSharp.torch;

namespace VisionR1.Trainer.Pipeline;

/// <summary>
/// Fits the embedded run to a wall-time budget (<see cref="RunBudget"/>). At start-up it times a few base-pre-training-shaped
/// steps (the model preset, batch and precision of the run) and predicts every stage from that one number with the cost
/// ratios of a measured reference run; if the prediction exceeds the budget it applies the reductions of <see cref="Ladder"/>
/// in order until it fits.
/// </summary>
public static class PipelineBudget
{
    /// <summary>
    /// The default budget in minutes: 75, so that a quiet 2-core AVX-512 BF16 machine (probe about 0.37 s, about 45 minutes
    /// predicted; 40 min 17 s measured with 2 CI epochs) keeps the full sizes, which the science needs (2 Dec: with 8 GRPO prompts a step Vision-R1 lost its
    /// gain, with every reduction it fell below the base). A slower machine gets reduced sizes, and the plan line says so.
    /// </summary>
    public const double DefaultMinutes = 75;

    /// <summary>Tokens per row of the probe batch (a base sample: template, 16 image tokens, a caption or question and its answer).</summary>
    public const int ProbeTokens = 96;

    // Cost ratios of the reference run (seed 1, full sizes, 2 Dec 2026 16:09–16:49 UTC, 2-core AMD EPYC with AVX-512 BF16, bf16,
    // generation batches side by side) over the probe step measured at its start on the quiet machine (0.367 s): wall seconds
    // per step, checkpoints included, of the base stage 1,059 s / 1,438 steps, of CI 274 s / 399 steps, of GRPO 976 s / 180
    // steps at 16 prompts (medians 6.21 s a step at 128×8, 4.39 s at 256×4; a nice-19 probe shared the machine for the last
    // ten minutes of GRPO); the direct evaluation of 1,000 items 7.0 s, a think/answer one 27.8 s (mean of base_cot 15.8,
    // ci 38.1 and vision_r1 29.5); world, tokenizer, cold start and filter 16 s.
    private const double ReferenceProbeSeconds = 0.367;
    private const double BaseStepUnits = 1059.1 / 1438 / ReferenceProbeSeconds;
    private const double CiStepUnits = 274.1 / 399 / ReferenceProbeSeconds;
    private const double GrpoStepUnits16 = 976.4 / 180 / ReferenceProbeSeconds;
    // A GRPO step with fewer prompts is assumed to keep 39% of its cost fixed (generation's per-token passes), the share the
    // 26 Nov runs with 16 and 8 prompts measured; it was not measured again at these sizes.
    private const double GrpoFixedShare = 0.39;
    private const double CotEvalUnitsPer1000 = 27.8 / ReferenceProbeSeconds;
    private const double DirectEvalUnitsPer1000 = 7.0 / ReferenceProbeSeconds;
    private const double FixedSeconds = 16;
    private const double FilterKeepRate = 3185.0 / 4000;

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
            [RecipeStages.VisionR1] = grpoSteps * GrpoStepUnits16 * (GrpoFixedShare + (1 - GrpoFixedShare) * options.GrpoPromptsPerStep / 16.0) * u,
            ["evaluations"] = (options.TestItems + options.ProbeItems) / 1000.0 * (directModels * DirectEvalUnitsPer1000 + cotModels * CotEvalUnitsPer1000) * u,
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
