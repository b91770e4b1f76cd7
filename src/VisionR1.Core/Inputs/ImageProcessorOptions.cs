namespace VisionR1.Inputs;

/// <summary>
/// Settings of the Qwen2.5-VL image processor. Defaults are those of the released
/// <c>preprocessor_config.json</c> (Qwen/Qwen2.5-VL-7B-Instruct) and Hugging Face's
/// <c>Qwen2VLImageProcessor</c>, plus input guards.
/// </summary>
/// <param name="MinPixels">Smallest resized area (56² = 3136, the released value).</param>
/// <param name="MaxPixels">
/// Largest resized area (12,845,056 = 16384·28², the released value). Lower it to cap image
/// tokens: tokens per image = area / 784 (e.g. 1280·28·28 gives at most 1280 tokens).
/// </param>
/// <param name="MaxAspectRatio">Longest over shortest side above which an image is rejected (200, as in <c>smart_resize</c>).</param>
/// <param name="MinImageSide">
/// Smallest accepted side of the decoded image in pixels (28, the resize factor; older
/// transformers releases rejected smaller sides). A 1×1 "image" is a tracking pixel or a broken export.
/// </param>
/// <param name="MaxDecodedPixels">
/// Pixel budget checked from the image header before any pixel is decoded (89,478,485, Pillow's
/// <c>MAX_IMAGE_PIXELS</c>); larger images are rejected as possible decompression bombs.
/// </param>
public sealed record ImageProcessorOptions(
    int MinPixels = ImageProcessorOptions.DefaultMinPixels,
    int MaxPixels = ImageProcessorOptions.DefaultMaxPixels,
    double MaxAspectRatio = 200,
    int MinImageSide = 28,
    long MaxDecodedPixels = 89_478_485)
{
    /// <summary>56 × 56.</summary>
    public const int DefaultMinPixels = 3136;

    /// <summary>16384 × 28 × 28.</summary>
    public const int DefaultMaxPixels = 12_845_056;
}
