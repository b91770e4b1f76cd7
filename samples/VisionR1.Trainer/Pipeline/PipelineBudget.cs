using VisionR1.Model.Config;
using VisionR1.Recipe;
using VisionR1.Runtime;
using VisionR1.Diagnostics;
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
    /// The default budget in minutes: 75, so that a quiet 2-core AVX-512 BF16 machine (probe 0.33–0.37 s; 23 min 4 s measured
    /// with tcmalloc, dynamic sampling and micro-batches side by side, 46–49 minutes predicted with glibc's malloc) keeps the full sizes, and so does an AVX2-only
    /// one in fp32 with tcmalloc (emulated: probe 0.812 s, 45 min 58 s measured), which the science needs (2 Dec: with 8 GRPO prompts a step Vision-R1 lost its
    /// gain, with every reduction it fell below the base). A slower machine gets reduced sizes, and the plan line says so.
    /// </summary>
    public const double DefaultMinutes = 75;

    /// <summary>Tokens per row of the probe batch (a base sample: template, 16 image tokens, a caption or question and its answer).</summary>
    public const int ProbeTokens = 96;

    /// <summary>
    /// The costs of a measured reference run and the probe step measured at its start: wall seconds per step (checkpoints
    /// included) of the base stage, CI and GRPO at 16 prompts, seconds of a direct and of a think/answer evaluation of 1,000
    /// items, the fixed part (world, tokenizer, cold start, filter, not scaled), the filter's keep rate and whether the reference
    /// run's GRPO sampled dynamically. <see cref="Predict"/> scales the timed costs by the new probe over <paramref name="ProbeSeconds"/>.
    /// <paramref name="Name"/> is the allocator.
    /// </summary>
    public sealed record CostRatios(string Name, double ProbeSeconds, double BaseStepSeconds, double CiStepSeconds, double GrpoStepSeconds,
        double DirectEvalSecondsPer1000, double CotEvalSecondsPer1000, double FixedSeconds, double FilterKeepRate, bool DynamicSampling = false);

    /// <summary>
    /// How much the pipeline's GRPO stage costs now against the glibc reference's, which sampled every group once: 635.8 s
    /// against 462.3 s, the default command on seed 0 with dynamic sampling (refills and the first round sized by the keep rate,
    /// images shared within a pass) and without it, both with micro-batches in turn, on the quiet tcmalloc reference machine (3 and 2 Dec 2026). About 1.9×
    /// the prompts of PTST's first stage and 2.8× of its second are sampled to keep 16 groups whose rewards differ.
    /// </summary>
    public const double DynamicSamplingGrpoCost = 635.8 / 462.3;

    /// <summary>
    /// glibc's malloc (reference: seed 1, full sizes with 2 CI epochs, 2 Dec 2026 16:09–16:49 UTC, 2-core AMD EPYC with AVX-512
    /// BF16, bf16, generation batches side by side, quiet machine; probe 0.367 s): base 1,059 s / 1,438 steps (its steps slow from
    /// 0.61 to 0.84 s over the stage as glibc's free lists fill), CI 274 s / 399 steps, GRPO 976 s / 180 steps (medians 6.21 s a
    /// step at 128×8, 4.39 s at 256×4; a nice-19 probe shared the last ten minutes), the direct evaluation 7.0 s, a think/answer
    /// one 27.8 s (mean of base_cot 15.8, ci 38.1 and vision_r1 29.5), 16 s fixed.
    /// </summary>
    public static CostRatios Glibc { get; } = new("glibc", 0.367, 1059.1 / 1438, 274.1 / 399, 976.4 / 180, 7.0, 27.8, 16, 3185.0 / 4000);

    /// <summary>
    /// tcmalloc preloaded (reference: seed 0, the default command with dynamic sampling, its first round sized by the last keep
    /// rate, micro-batches side by side, 3 Dec 2026 12:15–12:38 UTC, 2-core AMD EPYC with AVX-512 BF16, bf16, quiet; probe
    /// 0.337 s): base 483 s / 1,438 steps, CI 232 s / 788 steps, GRPO 617 s / 180 steps, the direct evaluation 2.3 s, a
    /// think/answer one 11.6 s (mean of base_cot 6.9, ci 15.8 and vision_r1 12.0), 14.3 s fixed; 1,384 s in all. The same command
    /// with micro-batches in turn took 1,443 s (10:02–10:26 UTC, probe 0.351 s; bit-identical results), 1,586 s with refills
    /// alone (GRPO 738 s) and 1,364 s without dynamic sampling (2 Dec, GRPO 462 s).
    /// </summary>
    public static CostRatios Tcmalloc { get; } = new("tcmalloc", 0.337, 483.0 / 1438, 231.8 / 788, 617.4 / 180, 2.3, 11.6, 14.3, 3151.0 / 4000, DynamicSampling: true);

    /// <summary>
    /// tcmalloc preloaded, fp32 (reference: seed 0, the default command under the AVX2 emulation, fp32 chosen by auto, 3 Dec 2026
    /// 10:27–11:13 UTC, the same machine, quiet; probe 0.812 s): base 1,055 s / 1,438 steps, CI 525 s / 788 steps, GRPO 1,103 s /
    /// 180 steps, the direct evaluation 5.5 s, a think/answer one 17.1 s (mean of base_cot 11.4, ci 22.8 and vision_r1 17.2), 16.5 s
    /// fixed; 2,758 s in all. Against the bf16 run the stages do not scale alike (base 2.06×, CI 2.17×, GRPO 1.74×, the probe 2.31×),
    /// so scaling a bf16 reference by the probe overestimates this run (3,869 s predicted at its start from the previous bf16 reference).
    /// </summary>
    public static CostRatios TcmallocFp32 { get; } = new("tcmalloc fp32", 0.812, 1055.2 / 1438, 524.9 / 788, 1103.4 / 180, 5.5, 17.1, 16.5, 3151.0 / 4000, DynamicSampling: true);

    /// <summary>The bf16 ratios for the allocator serving this process (<see cref="NativeAllocator.LoadedReplacement"/>): tcmalloc's where it is loaded, else glibc's.</summary>
    public static CostRatios ForThisProcess => For(ScalarType.BFloat16);

    /// <summary>
    /// The ratios for the allocator serving this process and the run's precision: with tcmalloc, the fp32 reference for fp32 and the
    /// bf16 one otherwise; with glibc's malloc, its (bf16) reference, the only one measured.
    /// </summary>
    public static CostRatios For(ScalarType dtype) =>
        NativeAllocator.LoadedReplacement() is { } lib && lib.Contains("tcmalloc", StringComparison.Ordinal)
            ? dtype == ScalarType.Float32 ? TcmallocFp32 : Tcmalloc
            : Glibc;

    // A GRPO step with fewer prompts is assumed to keep 39% of its cost fixed (generation's per-token passes), the share the
    // 26 Nov runs with 16 and 8 prompts measured; it was not measured again at these sizes.
    private const double GrpoFixedShare = 0.39;

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
        int directModels = 1;
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["fixed"] = r.FixedSeconds,
            [RecipeStages.Base] = baseSteps * r.BaseStepSeconds * u,
            [RecipeStages.Ci] = ciSteps * r.CiStepSeconds * u,
            [RecipeStages.VisionR1] = grpoSteps * r.GrpoStepSeconds * sampling * (GrpoFixedShare + (1 - GrpoFixedShare) * options.GrpoPromptsPerStep / 16.0) * u,
            ["evaluations"] = (options.TestItems + options.ProbeItems) / 1000.0 * (directModels * r.DirectEvalSecondsPer1000 + cotModels * r.CotEvalSecondsPer1000) * u,
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
        Device device, ScalarType dtype, CancellationToken cancellationToken, CostRatios? ratios = null) =>
        RunBudget.Resolve(Ladder(options), (o, p) => Predict(o, p, ratios ??= For(dtype)), runDirectory, budgetSeconds, dtype == ScalarType.BFloat16 ? "bf16" : "fp32",
            () => ProbeStepSeconds(options, device, dtype, cancellationToken));
}
