namespace VisionR1.Grpo.Rollout;

/// <summary>One sampled and scored completion.</summary>
/// <param name="Prompt">The prompt it answers.</param>
/// <param name="Tokens">Its token ids, including the end-of-sequence token when it has one.</param>
/// <param name="Truncated">Whether it hit the length cap without ending.</param>
/// <param name="Text">The decoded text (special tokens dropped) the rewards saw.</param>
/// <param name="Reward">The total reward Σ w_k R_k.</param>
/// <param name="Parts">Each reward's score under its name, and each named component (e.g. "accuracy", "format").</param>
public sealed record ScoredCompletion(GrpoPrompt Prompt, long[] Tokens, bool Truncated, string Text, double Reward, IReadOnlyDictionary<string, double> Parts);
