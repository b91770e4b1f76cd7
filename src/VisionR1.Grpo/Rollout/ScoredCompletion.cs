using VisionR1.Grpo.Policies;

namespace VisionR1.Grpo.Rollout;

/// <summary>One sampled and scored completion.</summary>
/// <param name="Prompt">The prompt it answers.</param>
/// <param name="Tokens">Its token ids, including the end-of-sequence token when it has one.</param>
/// <param name="Truncated">Whether it hit the length cap without ending.</param>
/// <param name="Text">The decoded text (special tokens dropped) the rewards saw.</param>
/// <param name="Reward">The total reward Σ w_k R_k.</param>
/// <param name="Parts">Each reward's score under its name, and each named component (e.g. "accuracy", "format").</param>
public sealed record ScoredCompletion(GrpoPrompt Prompt, long[] Tokens, bool Truncated, string Text, double Reward, IReadOnlyDictionary<string, double> Parts)
{
    /// <summary>Whether its answer is correct, as the first reward that judged it said (<see cref="Rewards.RewardOutput.Correct"/>); null when none did.</summary>
    public bool? Correct { get; init; }

    /// <summary>Whether it has the required layout, as the first reward that checked it said (<see cref="Rewards.RewardOutput.FormatOk"/>); null when none did.</summary>
    public bool? FormatOk { get; init; }

    /// <summary>
    /// Per token, the log-probability the rollout engine reported for it (the behaviour policy's, at the sampling temperature),
    /// or null when the engine reported none. The trainer uses them for the truncated importance-sampling correction when the
    /// engine samples from its own copy of the weights.
    /// </summary>
    public float[]? BehaviourLogProbs { get; init; }
}
