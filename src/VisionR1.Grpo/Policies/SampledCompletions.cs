using static TorchSharp.torch;

namespace VisionR1.Grpo.Policies;

/// <summary>Completions sampled for a batch of prompts. Owns its tensors.</summary>
/// <param name="Ids">(N, L) int64 completion tokens, right-padded; L ≤ the cap.</param>
/// <param name="Mask">(N, L) int64, 1 for generated tokens up to and including the end-of-sequence token, 0 after it.</param>
/// <param name="Truncated">Per completion, whether it hit the cap without an end-of-sequence token.</param>
public sealed record SampledCompletions(Tensor Ids, Tensor Mask, bool[] Truncated) : IDisposable
{
    /// <summary>
    /// (N, L) float32 log-probability of each sampled token under the sampling distribution (softmax(logits / temperature),
    /// before top-k/top-p), 0 at padding; null when the policy does not report them.
    /// </summary>
    public Tensor? LogProbs { get; init; }

    /// <inheritdoc />
    public void Dispose()
    {
        Ids.Dispose();
        Mask.Dispose();
        LogProbs?.Dispose();
    }
}
