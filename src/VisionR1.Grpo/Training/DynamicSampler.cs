using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Rollout.Engines;
using VisionR1.Grpo.Schedule;

namespace VisionR1.Grpo.Training;

/// <summary>
/// The sampling part of a GRPO step: one round of <see cref="GrpoOptions.PromptsPerStep"/> prompts, or with
/// <see cref="GrpoOptions.DynamicSampling"/> DAPO's dynamic sampling, which drops groups without reward spread and samples
/// more prompts until the step has its groups or <see cref="GrpoOptions.MaxRefillRounds"/> extra rounds are spent. Rounds are
/// sized by keep rates so that one round usually completes the batch: decoding a batch costs about as many steps as its longest
/// completion and small batches leave cores idle, so one larger round costs less than the same prompts in two or three. The
/// first round samples the prompts the previous step of the same stage's keep rate says are needed, times
/// <see cref="OversampleMargin"/> (<see cref="OversampleCount"/>); a refill round samples the missing groups divided by the
/// step's keep rate so far (<see cref="RefillCount"/>). Both are capped at <see cref="MaxRoundFactor"/> times what is asked.
/// Groups beyond <see cref="GrpoOptions.PromptsPerStep"/> are dropped. The keep rate is part of the trainer's checkpoint, so a
/// resumed run samples as an uninterrupted one.
/// </summary>
internal sealed class DynamicSampler(GroupSampler sampler, IReadOnlyList<GrpoPrompt> data, GrpoOptions options)
{
    /// <summary>
    /// Factor over the first round's predicted prompt count: a little extra costs less than a refill round (15%, the margin the
    /// recipe's pipeline was tuned with).
    /// </summary>
    public const double OversampleMargin = 1.15;

    /// <summary>A round samples at most this many times the prompts (or missing groups) it is sized for.</summary>
    public const int MaxRoundFactor = 4;

    /// <summary>
    /// Share of sampled groups that dynamic sampling kept in the last step of the current stage; null at a stage's start (a new
    /// stage keeps groups at its own rate) and without dynamic sampling.
    /// </summary>
    public double? KeepRate { get; set; }

    /// <summary>Samples and scores the groups of <paramref name="step"/>, drawing prompts from <paramref name="order"/>.</summary>
    public SampledStep Sample(DataOrder order, RolloutStep step, PtstStage stage, SamplingSettings settings, CancellationToken cancellationToken)
    {
        var result = new SampledStep();
        int wanted = options.PromptsPerStep;
        do
        {
            int need = result.Rounds == 0 ? FirstRoundCount() : RefillCount(wanted - result.Kept.Count, result.Kept.Count, result.PromptsSampled);
            var prompts = order.Take(need).Select(i => data[i]).ToList();
            var request = new RolloutRequest(prompts, stage.GroupSize, settings, SeedMixer.Mix(options.Seed, step.Step, result.Rounds),
                step, result.Rounds, options.GenerationBatchSize, options.ConcurrentGenerations);
            var groups = sampler.Sample(request, cancellationToken);
            result.AddRound(need, groups, options.DynamicSampling, sampler);
        }
        while (options.DynamicSampling && result.Kept.Count < wanted && result.Rounds <= options.MaxRefillRounds);
        if (options.DynamicSampling && result.Sampled.Count > 0) KeepRate = result.Kept.Count / (double)result.Sampled.Count;
        if (result.Kept.Count > wanted) result.Kept.RemoveRange(wanted, result.Kept.Count - wanted);
        return result;
    }

    /// <summary>Prompts of a step's first round: <see cref="GrpoOptions.PromptsPerStep"/>, oversampled by the last keep rate when there is one.</summary>
    private int FirstRoundCount() =>
        options.DynamicSampling && KeepRate is { } rate ? OversampleCount(options.PromptsPerStep, rate) : options.PromptsPerStep;

    /// <summary>
    /// ⌈prompts · <see cref="OversampleMargin"/> / rate⌉ within [prompts, <see cref="MaxRoundFactor"/> · prompts]: the first round's
    /// prompts when the last step kept <paramref name="keepRate"/> of its groups (a rate of 0 gives the cap).
    /// </summary>
    internal static int OversampleCount(int prompts, double keepRate)
    {
        if (keepRate <= 0) return MaxRoundFactor * prompts;
        double wanted = Math.Ceiling(prompts * OversampleMargin / keepRate - 1e-9);
        return (int)Math.Clamp(wanted, prompts, (double)MaxRoundFactor * prompts);
    }

    /// <summary>
    /// Prompts to sample in a refill round: the <paramref name="missing"/> groups divided by the share of the step's groups kept so
    /// far (<paramref name="kept"/> of <paramref name="sampled"/>, at least one counted), at most <see cref="MaxRoundFactor"/> times
    /// <paramref name="missing"/>.
    /// </summary>
    internal static int RefillCount(int missing, int kept, int sampled)
    {
        double keepRate = Math.Max(kept, 1) / (double)sampled;
        return (int)Math.Min((long)MaxRoundFactor * missing, (long)Math.Ceiling(missing / keepRate));
    }
}
