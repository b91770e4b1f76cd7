using static TorchSharp.torch;

namespace VisionR1.Grpo.Loss;

/// <summary>What the GRPO loss reads. All per-token tensors are (B, L), aligned with the completion tokens.</summary>
/// <param name="LogProbs">Log-probabilities of the sampled tokens under the policy being trained, computed on logits / sampling temperature; carries the gradient.</param>
/// <param name="OldLogProbs">The same under the policy that sampled the rollout (no gradient). With one update per rollout these equal <paramref name="LogProbs"/> detached, so ρ ≡ 1.</param>
/// <param name="RefLogProbs">The same under the frozen reference model, or null (then no KL is computed; β must be 0).</param>
/// <param name="Advantages">(B) one advantage per completion (broadcast over its tokens), or (B, L) per token.</param>
/// <param name="CompletionMask">(B, L) 1 for completion tokens that count (including the end-of-sequence token), 0 for padding and masked completions.</param>
/// <param name="Entropy">(B, L) per-token entropy of the policy, for statistics only; null to skip.</param>
/// <param name="ImportanceWeights">
/// (B, L) per-token weights (no gradient) that multiply the clipped policy-gradient term (not the KL term): the truncated
/// importance-sampling correction min(π_old / π_behaviour, C) when the completions were sampled by another engine than the
/// one that computes <paramref name="OldLogProbs"/> (see <see cref="Training.GrpoOptions.ImportanceSamplingCap"/>); null for none.
/// </param>
public sealed record GrpoLossInputs(
    Tensor LogProbs,
    Tensor OldLogProbs,
    Tensor? RefLogProbs,
    Tensor Advantages,
    Tensor CompletionMask,
    Tensor? Entropy = null,
    Tensor? ImportanceWeights = null);
