using VisionR1.Grpo.Advantages;
using VisionR1.Grpo.Loss;

namespace VisionR1.Grpo.Training;

/// <summary>
/// What a <see cref="GrpoAlgorithm"/> sets, from its paper: the loss (objective, clip ranges, KL estimator, β and where the KL goes,
/// aggregation), the advantage estimator, dynamic sampling and the masking of truncated completions. <see cref="GrpoOptions"/> reads
/// these for every one of its <see cref="GrpoOptions.Loss"/>, <see cref="GrpoOptions.Advantages"/>, <see cref="GrpoOptions.DynamicSampling"/>
/// and <see cref="GrpoOptions.MaskTruncatedCompletions"/> not set explicitly. Where a paper is silent the value is GRPO's (Vision-R1's).
/// </summary>
/// <param name="Loss">The loss options.</param>
/// <param name="Advantages">The advantage options.</param>
/// <param name="DynamicSampling">Whether groups without reward spread are dropped and refilled (DAPO).</param>
/// <param name="MaskTruncatedCompletions">Whether completions that hit the length cap leave the loss (DAPO's overlong filtering).</param>
public sealed record AlgorithmDefaults(GrpoLossOptions Loss, AdvantageOptions Advantages, bool DynamicSampling, bool MaskTruncatedCompletions)
{
    /// <summary>
    /// The defaults of <paramref name="algorithm"/>:
    /// <list type="bullet">
    /// <item>GRPO (Shao et al. 2024, arXiv:2402.03300; Vision-R1's settings): group z-score, token clip ε = 0.2, k3 KL in the loss with β = 1e-2, token mean.</item>
    /// <item>Dr. GRPO (Liu et al. 2025, arXiv:2503.20783): mean-only advantage and Σ/(B·L_max) aggregation (both without length or difficulty bias); its objective has no KL term (β = 0).</item>
    /// <item>DAPO (Yu et al. 2025, arXiv:2503.14476): clip-higher ε_low = 0.2, ε_high = 0.28, token mean, dynamic sampling, no KL term; of its two overlong
    /// treatments it takes overlong filtering (truncated completions leave the loss); the soft overlong punishment is a reward
    /// (<see cref="Rewards.OverlongPenalty"/>) that callers add to their rewards.</item>
    /// <item>GSPO (Zheng et al. 2025, arXiv:2507.18071): sequence-level ratio clipped per sequence with the paper's ε_low = 3e-4, ε_high = 4e-4, mean over
    /// sequences, group z-score, no KL term.</item>
    /// <item>CISPO (MiniMax 2025, arXiv:2506.13585): clipped stop-gradient weight on the log-probability, token mean, no KL term; no lower bound on the weight
    /// (ε_low = 1, as the paper) and ε_high = 5 (the paper does not publish its tuned value; 5 is ScaleRL's, arXiv:2510.13786, and TRL's recommendation).</item>
    /// <item>RLOO (Ahmadian et al. 2024, arXiv:2402.14740): leave-one-out baseline; the k1 KL (β = 1e-2) folded into the reward as in RLHF's REINFORCE; the
    /// sequence's summed log-likelihood, which the Σ/(B·L_max) aggregation gives up to the constant 1/L_max.</item>
    /// <item>REINFORCE++ with baseline (Hu et al. 2025, arXiv:2501.03262): group mean then batch normalisation, token-level clip ε = 0.2, token mean, and, as
    /// the paper prescribes for its baseline variant, the k2 KL in the loss (β = 1e-2), whose gradient is that of a KL penalty in the reward.</item>
    /// </list>
    /// </summary>
    public static AlgorithmDefaults For(GrpoAlgorithm algorithm) => algorithm switch
    {
        GrpoAlgorithm.Grpo => new(new GrpoLossOptions(), new AdvantageOptions(), false, false),
        GrpoAlgorithm.DrGrpo => new(new GrpoLossOptions(Beta: 0, Aggregation: LossAggregation.DrGrpo), new AdvantageOptions(Estimator: AdvantageEstimator.DrGrpo), false, false),
        GrpoAlgorithm.Dapo => new(new GrpoLossOptions(EpsilonLow: 0.2, EpsilonHigh: 0.28, Beta: 0), new AdvantageOptions(), true, true),
        GrpoAlgorithm.Gspo => new(new GrpoLossOptions(EpsilonLow: 3e-4, EpsilonHigh: 4e-4, Beta: 0, Aggregation: LossAggregation.SequenceMean, Objective: PolicyObjective.SequenceClip),
            new AdvantageOptions(), false, false),
        GrpoAlgorithm.Cispo => new(new GrpoLossOptions(EpsilonLow: 1, EpsilonHigh: 5, Beta: 0, Objective: PolicyObjective.Cispo), new AdvantageOptions(), false, false),
        GrpoAlgorithm.Rloo => new(new GrpoLossOptions(Aggregation: LossAggregation.DrGrpo, Kl: KlEstimator.K1, KlInReward: true), new AdvantageOptions(Estimator: AdvantageEstimator.Rloo), false, false),
        GrpoAlgorithm.ReinforcePlusPlus => new(new GrpoLossOptions(Kl: KlEstimator.K2), new AdvantageOptions(Estimator: AdvantageEstimator.ReinforcePlusPlus), false, false),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown algorithm."),
    };
}
