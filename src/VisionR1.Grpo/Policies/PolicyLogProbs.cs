using static TorchSharp.torch;

namespace VisionR1.Grpo.Policies;

/// <summary>Per-token log-probabilities of given tokens under a policy, and optionally the policy's entropies. Dispose it.</summary>
/// <param name="LogProbs">(B, C) float32 (or float64) log p(token) under softmax(logits / temperature); carries the graph when gradients are on.</param>
/// <param name="Entropy">(B, C) entropy of the same distributions, detached, or null when not asked for.</param>
public sealed record PolicyLogProbs(Tensor LogProbs, Tensor? Entropy) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        LogProbs.Dispose();
        Entropy?.Dispose();
    }
}
