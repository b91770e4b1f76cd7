using VisionR1.Grpo.Schedule;

namespace VisionR1.Grpo.Rollout;

/// <summary>Where a run stands when it samples: what <see cref="GroupSampler"/> passes on to rewards in their <see cref="Rewards.RewardContext"/>.</summary>
/// <param name="Step">The 0-based step being sampled for.</param>
/// <param name="StageIndex">The index of the PTST stage.</param>
/// <param name="Stage">The PTST stage.</param>
public sealed record RolloutStep(long Step, int StageIndex, PtstStage? Stage);
