using VisionR1.Inputs;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Training;

/// <summary>A supervised batch: the full conversations and which of their tokens the loss trains on. Owns its tensors.</summary>
/// <param name="Inputs">The model inputs (left-padded ids, attention mask, images).</param>
/// <param name="LossMask">(B, T), aligned with the input ids: 1 on assistant tokens (including the end-of-turn token), 0 on system, user, image and padding tokens.</param>
public sealed record SftBatch(MultimodalBatch Inputs, Tensor LossMask) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Inputs.Dispose();
        LossMask.Dispose();
    }
}
