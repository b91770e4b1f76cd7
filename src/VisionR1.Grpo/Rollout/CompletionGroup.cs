using VisionR1.Grpo.Policies;

namespace VisionR1.Grpo.Rollout;

/// <summary>The G completions of one prompt.</summary>
/// <param name="Prompt">The prompt.</param>
/// <param name="Completions">Its completions.</param>
public sealed record CompletionGroup(GrpoPrompt Prompt, IReadOnlyList<ScoredCompletion> Completions)
{
    /// <summary>Whether all completions got the same reward (so the group carries no advantage).</summary>
    public bool ZeroSpread => Completions.Count > 0 && Completions.All(c => c.Reward == Completions[0].Reward);
}
