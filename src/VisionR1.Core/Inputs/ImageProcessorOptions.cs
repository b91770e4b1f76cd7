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
/// Smallest accepted side of the decoded image in pixels. Default 1: every size is accepted and
/// scaled up to <paramref name="MinPixels"/> as transformers 4.53 and later do (a 20×20 image becomes
/// 56×56, grid [1, 4, 4]). transformers up to 4.52 rejected sides under 28 (the resize factor); set
/// 28 to reproduce that, or higher to refuse tracking pixels and broken exports.
/// </param>
/// <param name="MaxDecodedPixels">
/// Pixel budget checked from the image header before any pixel is decoded (89,478,485, Pillow's
/// <c>MAX_IMAGE_PIXELS</c>); larger images are rejected as possible decompression bombs.
/// </param>
/// <param name="Rgb">
/// How transparency becomes RGB. Default <see cref="RgbConversion.CompositeOntoWhite"/>, as Qwen's
/// inference utilities feed the model (transparent regions white, as displayed);
/// <see cref="RgbConversion.DropAlpha"/> gives the pixels of transformers' processor handed an RGBA image.
/// </param>
/// <param name="ApplyExifOrientation">
/// Whether files are turned upright as their EXIF orientation says (default true, as transformers'
/// <c>load_image</c> and image viewers do). False keeps the stored pixel grid, as transformers'
/// processor does when handed a <c>PIL.Image</c> opened without <c>exif_transpose</c>.
/// </param>
public sealed record ImageProcessorOptions(
    int MinPixels = ImageProcessorOptions.DefaultMinPixels,
    int MaxPixels = ImageProcessorOptions.DefaultMaxPixels,
    double MaxAspectRatio = 200,
    int MinImageSide = 1,
    long MaxDecodedPixels = 89_478_485,
    RgbConversion Rgb = RgbConversion.CompositeOntoWhite,
    bool ApplyExifOrientation = true)
{
    /// <summary>56 × 56.</summary>
    public const int DefaultMinPixels = 3136;

    /// <summary>16384 × 28 × 28.</summary>
    public const int DefaultMaxPixels = 12_845_056;
}
