namespace VisionR1.Problems;

/// <summary>
/// A reference to an image of a problem: a file path (resolved under a data root by the reader that made it) or
/// encoded bytes, or both. Pixels are not held: they are decoded and patchified when a batch is built
/// (see <see cref="Inputs.ImageLoader"/>), so a data set of thousands of images costs only its references.
/// </summary>
/// <param name="Path">Path of the image file, or null.</param>
/// <param name="Bytes">Encoded image bytes (PNG, JPEG, ...), or null.</param>
public sealed record ImageRef(string? Path, byte[]? Bytes)
{
    /// <summary>A reference to the image file at <paramref name="path"/>.</summary>
    public static ImageRef File(string path) => new(path ?? throw new ArgumentNullException(nameof(path)), null);

    /// <summary>A label for error messages.</summary>
    public override string ToString() => Path ?? (Bytes is null ? "(no image)" : $"(embedded image, {Bytes.Length} bytes)");
}
