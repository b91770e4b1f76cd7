namespace VisionR1.Grpo.Rewards;

/// <summary>
/// A reward and its weight in the total r = Σ w_k R_k: the one weighting type, taken by the GRPO trainer (a list of them) and
/// by <see cref="WeightedSumReward"/> (which composes them into one <see cref="IRewardFunction"/>). A completion a reward gives
/// "no score" gets 0 from it.
/// </summary>
/// <param name="Function">The reward.</param>
/// <param name="Weight">Its weight (1 by default; Vision-R1 uses the hard format result reward alone).</param>
public sealed record WeightedReward(IRewardFunction Function, double Weight = 1.0);
