namespace VisionR1.Grpo.Rollout;

/// <summary>One RL problem as the rollout sees it.</summary>
/// <param name="Id">A stable identifier (for logs).</param>
/// <param name="Prompt">The prompt text (what rewards see as the prompt; no images).</param>
/// <param name="GroundTruth">The answer rewards compare with.</param>
/// <param name="Source">The original data item the <see cref="Policies.IPromptEncoder"/> renders (e.g. a problem with its images), or null when the text is enough.</param>
/// <param name="Extra">Further fields handed to rewards (choices, precision, ...), or null.</param>
public sealed record GrpoPrompt(string Id, string Prompt, string GroundTruth, object? Source = null, IReadOnlyDictionary<string, object?>? Extra = null);
