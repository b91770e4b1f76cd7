namespace VisionR1.Grpo.Loss;

/// <summary>
/// Per-token estimators of KL(π_θ ‖ π_ref) from the sampled token alone (Schulman 2020, "Approximating KL Divergence"), with
/// d = log π_ref − log π_θ clamped to ±<see cref="GrpoLossOptions.LogRatioClamp"/> (<see cref="KlDivergence.PerToken"/>).
/// </summary>
public enum KlEstimator
{
    /// <summary>k3 = exp(d) − d − 1: unbiased and never negative (GRPO, Vision-R1; the default).</summary>
    K3,

    /// <summary>k1 = −d = log π_θ − log π_ref: unbiased, can be negative; the classic RLHF penalty folded into the reward (RLOO).</summary>
    K1,

    /// <summary>k2 = d² / 2: biased but low-variance; its gradient in the loss is the gradient of KL folded into the reward (REINFORCE++ with baseline).</summary>
    K2,
}
