namespace VisionR1.Grpo.Policies;

/// <summary>How completions are sampled.</summary>
/// <param name="MaxNewTokens">Completion-length cap in tokens (the stage's L_s).</param>
/// <param name="Temperature">Softmax temperature (1.0 as TRL's GRPO default; the same temperature divides the logits of the loss's log-probs).</param>
/// <param name="TopP">Nucleus sampling mass (1.0 = off).</param>
/// <param name="TopK">Keep the k most likely tokens (0 = off).</param>
public sealed record SamplingSettings(int MaxNewTokens, double Temperature = 1.0, double TopP = 1.0, int TopK = 0);
