using VisionR1.Grpo.Schedule;

namespace VisionR1.Grpo.Rewards;

/// <summary>
/// What a reward knows about the completion besides its text: its length in tokens, whether it hit the cap, and
/// where the run stands (step, PTST stage and that stage's length cap). The trainer fills it; outside a trainer
/// give what you know.
/// </summary>
/// <param name="CompletionTokens">The completion's length in tokens (end-of-sequence token included when it has one).</param>
/// <param name="Truncated">Whether the completion hit the length cap without ending.</param>
/// <param name="MaxCompletionLength">The completion-length cap it was sampled under (the PTST stage's L_s), or null when unknown.</param>
/// <param name="Step">The 0-based training step the completion was sampled for.</param>
/// <param name="StageIndex">The index of the PTST stage in its schedule.</param>
/// <param name="Stage">The PTST stage, or null outside a schedule.</param>
public sealed record RewardContext(
    int CompletionTokens = 0,
    bool Truncated = false,
    int? MaxCompletionLength = null,
    long Step = 0,
    int StageIndex = 0,
    PtstStage? Stage = null);
