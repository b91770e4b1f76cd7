using static TorchSharp.torch;

namespace VisionR1.Inputs;

/// <summary>A batch for supervised fine-tuning: the model inputs and left-padded labels (−100 where no loss is taken).</summary>
/// <param name="Inputs">Ids, attention mask, patches and grids.</param>
/// <param name="Labels">(B, T) int64 labels aligned with <see cref="MultimodalBatch.InputIds"/> (not shifted).</param>
public sealed record LabelledBatch(MultimodalBatch Inputs, Tensor Labels) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Inputs.Dispose();
        Labels.Dispose();
    }
}
