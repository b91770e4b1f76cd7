namespace VisionR1.Inputs;

/// <summary>
/// One image ready for the vision encoder: its patch grid, its <see cref="VisionPatchGeometry"/>, and, compactly, what its
/// normalised, flattened patches (Hugging Face Qwen2-VL order) are made from. An image from <see cref="ImageProcessor"/> keeps its resized 8-bit RGB
/// pixels (a 1024×768 image: 2.3 MB) and writes the float patches (19 MB) only when a batch is built, straight into the
/// batch's pixel tensor (<see cref="WritePatches"/>); the values are exactly those of normalising and patchifying
/// (<see cref="ImageProcessor.Normalize"/>, <see cref="ImagePatches.Patchify"/>). Immutable and thread-safe.
/// </summary>
public sealed class ProcessedImage
{
    private readonly RgbImage? _resized;
    private readonly float[]? _patches;

    /// <summary>An image given as its patches.</summary>
    /// <param name="source">File path or caller-given name of the image.</param>
    /// <param name="patches">
    /// <c>GridT·GridH·GridW × PatchDim</c> floats (1176 for Qwen2.5-VL, 1536 for Qwen3-VL), row-major: one row per patch,
    /// ordered by merge block (block row, block column, row in block, column in block); within a row the values are
    /// (channel, frame, y, x) of the patch.
    /// </param>
    /// <param name="gridT">Temporal patches (1 for a still image).</param>
    /// <param name="gridH">Patch rows (resized height / patch size).</param>
    /// <param name="gridW">Patch columns (resized width / patch size).</param>
    /// <param name="geometry">The encoder's patch geometry; null for <see cref="VisionPatchGeometry.Qwen25VL"/>.</param>
    /// <exception cref="ArgumentException">The patch count does not match the grid.</exception>
    public ProcessedImage(string source, float[] patches, int gridT, int gridH, int gridW, VisionPatchGeometry? geometry = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(patches);
        Geometry = geometry ?? VisionPatchGeometry.Qwen25VL;
        if (gridT < 1 || gridH < 1 || gridW < 1 || patches.LongLength != (long)gridT * gridH * gridW * Geometry.PatchDim)
            throw new ArgumentException($"Image '{source}': {patches.LongLength} values do not fill a {gridT}×{gridH}×{gridW} grid of {Geometry.PatchDim}-value patches.", nameof(patches));
        (Source, _patches, GridT, GridH, GridW) = (source, patches, gridT, gridH, gridW);
    }

    /// <summary>A still image given as its resized 8-bit RGB pixels (both sides multiples of patch × merge); its patches are made when written.</summary>
    /// <param name="source">File path or caller-given name of the image.</param>
    /// <param name="resized">The image at the size the encoder sees (<see cref="ImageProcessor.SmartResize"/>).</param>
    /// <param name="geometry">The encoder's patch geometry; null for <see cref="VisionPatchGeometry.Qwen25VL"/>.</param>
    /// <exception cref="ArgumentException">A side is not a multiple of <see cref="VisionPatchGeometry.Factor"/>.</exception>
    public ProcessedImage(string source, RgbImage resized, VisionPatchGeometry? geometry = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(resized);
        Geometry = geometry ?? VisionPatchGeometry.Qwen25VL;
        if (resized.Width % Geometry.Factor != 0 || resized.Height % Geometry.Factor != 0)
            throw new ArgumentException($"Image '{source}': size {resized.Width}×{resized.Height} is not a multiple of {Geometry.Factor}.", nameof(resized));
        (Source, _resized, GridT, GridH, GridW) = (source, resized, 1, resized.Height / Geometry.PatchSize, resized.Width / Geometry.PatchSize);
    }

    /// <summary>File path or caller-given name of the image.</summary>
    public string Source { get; }

    /// <summary>The encoder's patch geometry and pixel statistics the patches follow.</summary>
    public VisionPatchGeometry Geometry { get; }

    /// <summary>Temporal patches (1 for a still image).</summary>
    public int GridT { get; }

    /// <summary>Patch rows (resized height / patch size).</summary>
    public int GridH { get; }

    /// <summary>Patch columns (resized width / patch size).</summary>
    public int GridW { get; }

    /// <summary>Number of patches (rows of the patch matrix).</summary>
    public int PatchCount => GridT * GridH * GridW;

    /// <summary>Floats of the patch matrix: <see cref="PatchCount"/> × <see cref="VisionPatchGeometry.PatchDim"/>.</summary>
    public long PatchValueCount => (long)PatchCount * Geometry.PatchDim;

    /// <summary>Language-model tokens the image becomes after the merger: t·h·w/merge² (the count of <c>&lt;|image_pad|&gt;</c>).</summary>
    public int MergedTokenCount => PatchCount / Geometry.PatchesPerToken;

    /// <summary>Resized width in pixels.</summary>
    public int Width => GridW * Geometry.PatchSize;

    /// <summary>Resized height in pixels.</summary>
    public int Height => GridH * Geometry.PatchSize;

    /// <summary>Bytes this image holds: its 8-bit pixels, or its float patches when it was given as patches (what a cache counts).</summary>
    public long ResidentBytes => _resized is { } r ? r.Pixels.LongLength : _patches!.LongLength * sizeof(float);

    /// <summary>
    /// The patch matrix as a new array (<see cref="PatchValueCount"/> floats; the given array for an image made from patches).
    /// Batches do not call it: <see cref="WritePatches"/> writes into the pixel tensor without this copy.
    /// </summary>
    public float[] Patches
    {
        get
        {
            if (_patches is { } given) return given;
            var patches = new float[PatchValueCount];
            WritePatches(patches);
            return patches;
        }
    }

    /// <summary>Writes the patch matrix into <paramref name="destination"/> (exactly <see cref="PatchValueCount"/> floats).</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> has another length.</exception>
    public void WritePatches(Span<float> destination)
    {
        if (destination.Length != PatchValueCount)
            throw new ArgumentException($"Image '{Source}' has {PatchValueCount} patch values; the destination holds {destination.Length}.", nameof(destination));
        if (_patches is { } given) given.CopyTo(destination);
        else ImagePatches.PatchifyRgb(_resized!, destination, Geometry);
    }
}
