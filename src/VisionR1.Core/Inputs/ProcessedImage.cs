namespace VisionR1.Inputs;

/// <summary>
/// One image ready for the vision encoder: normalised, flattened patches in the Hugging Face
/// Qwen2-VL order and the patch grid.
/// </summary>
/// <param name="Source">File path or caller-given name of the image.</param>
/// <param name="Patches">
/// <c>GridT·GridH·GridW × 1176</c> floats, row-major: one row per patch, ordered by 2×2 merge
/// block (block row, block column, row in block, column in block); within a row the values are
/// (channel, frame, y, x) of the 2×14×14 patch.
/// </param>
/// <param name="GridT">Temporal patches (1 for a still image).</param>
/// <param name="GridH">Patch rows (resized height / 14).</param>
/// <param name="GridW">Patch columns (resized width / 14).</param>
public sealed record ProcessedImage(string Source, float[] Patches, int GridT, int GridH, int GridW)
{
    /// <summary>Number of 14×14 patches (rows of <see cref="Patches"/>).</summary>
    public int PatchCount => GridT * GridH * GridW;

    /// <summary>Language-model tokens the image becomes after the 2×2 merger: t·h·w/4 (the count of <c>&lt;|image_pad|&gt;</c>).</summary>
    public int MergedTokenCount => PatchCount / (VisionPatchLayout.MergeSize * VisionPatchLayout.MergeSize);

    /// <summary>Resized width in pixels.</summary>
    public int Width => GridW * VisionPatchLayout.PatchSize;

    /// <summary>Resized height in pixels.</summary>
    public int Height => GridH * VisionPatchLayout.PatchSize;
}
