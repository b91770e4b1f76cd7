using static TorchSharp.torch;

namespace VisionR1.Inputs;

/// <summary>
/// What the model's forward takes: a left-padded batch of token ids with its attention mask,
/// and the patches and grids of every image in the batch, in order of appearance.
/// The batch owns its tensors; dispose it (or let a dispose scope take them).
/// </summary>
/// <param name="InputIds">(B, T) int64 token ids, left-padded.</param>
/// <param name="AttentionMask">(B, T) int64, 1 for real tokens and 0 for padding.</param>
/// <param name="PixelValues">(N, 1176) float32 normalised patches of all images, or null for a text-only batch.</param>
/// <param name="ImageGridThw">(I, 3) int64 (t, h, w) patch grid of each image, or null.</param>
public sealed record MultimodalBatch(Tensor InputIds, Tensor AttentionMask, Tensor? PixelValues, Tensor? ImageGridThw) : IDisposable
{
    /// <summary>Batch size.</summary>
    public long BatchSize => InputIds.shape[0];

    /// <summary>Padded sequence length.</summary>
    public long SequenceLength => InputIds.shape[1];

    /// <summary>Moves every tensor to <paramref name="device"/>, returning a new batch (the old one is left as is).</summary>
    public MultimodalBatch To(Device device) =>
        new(InputIds.to(device), AttentionMask.to(device), PixelValues?.to(device), ImageGridThw?.to(device));

    /// <inheritdoc />
    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        PixelValues?.Dispose();
        ImageGridThw?.Dispose();
    }
}
