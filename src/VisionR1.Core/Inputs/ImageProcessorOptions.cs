namespace VisionR1.Inputs;

/// <summary>
/// Settings of the Qwen image processor: the encoder's patch geometry and pixel statistics, the pixel budget of
/// <c>smart_resize</c>, and input guards. Defaults are those of the released Qwen2.5-VL <c>preprocessor_config.json</c>
/// (Qwen/Qwen2.5-VL-7B-Instruct) and Hugging Face's <c>Qwen2VLImageProcessor</c>; for Qwen3-VL pass
/// <c>Geometry: VisionPatchGeometry.Qwen3VL</c>, whose pixel budget then becomes the default.
/// </summary>
public sealed record ImageProcessorOptions
{
    /// <summary>Settings with the given values; a null pixel limit takes the geometry's default.</summary>
    /// <param name="MinPixels">Smallest resized area; null for <see cref="VisionPatchGeometry.MinPixels"/> (3136 = 56² for Qwen2.5-VL, 65,536 for Qwen3-VL).</param>
    /// <param name="MaxPixels">
    /// Largest resized area; null for <see cref="VisionPatchGeometry.MaxPixels"/> (12,845,056 = 16384·28² for Qwen2.5-VL,
    /// 16,777,216 for Qwen3-VL). Lower it to cap image tokens: tokens per image = area / (patch·merge)²
    /// (e.g. 1280·28·28 gives at most 1280 Qwen2.5-VL tokens).
    /// </param>
    /// <param name="MaxAspectRatio">Longest over shortest side above which an image is rejected (200, as in <c>smart_resize</c>).</param>
    /// <param name="MinImageSide">
    /// Smallest accepted side of the decoded image in pixels. Default 1: every size is accepted and scaled up to
    /// <paramref name="MinPixels"/> as transformers 4.53 and later do (a 20×20 image becomes 56×56 for Qwen2.5-VL, grid
    /// [1, 4, 4]). transformers up to 4.52 rejected sides under the resize factor (28); set it to reproduce that, or
    /// higher to refuse tracking pixels and broken exports.
    /// </param>
    /// <param name="MaxDecodedPixels">
    /// Pixel budget checked from the image header before any pixel is decoded (89,478,485, Pillow's
    /// <c>MAX_IMAGE_PIXELS</c>); larger images are rejected as possible decompression bombs.
    /// </param>
    /// <param name="Rgb">
    /// How transparency becomes RGB. Default <see cref="RgbConversion.CompositeOntoWhite"/>, as Qwen's inference
    /// utilities feed the model (transparent regions white, as displayed); <see cref="RgbConversion.DropAlpha"/> gives
    /// the pixels of transformers' processor handed an RGBA image.
    /// </param>
    /// <param name="ApplyExifOrientation">
    /// Whether files are turned upright as their EXIF orientation says (default true, as transformers'
    /// <c>load_image</c> and image viewers do). False keeps the stored pixel grid, as transformers' processor does when
    /// handed a <c>PIL.Image</c> opened without <c>exif_transpose</c>.
    /// </param>
    /// <param name="Geometry">The encoder's patch geometry and statistics; null for <see cref="VisionPatchGeometry.Qwen25VL"/>.</param>
    /// <exception cref="ArgumentException">The geometry is invalid (see <see cref="VisionPatchGeometry.Validated"/>).</exception>
    public ImageProcessorOptions(
        int? MinPixels = null,
        int? MaxPixels = null,
        double MaxAspectRatio = 200,
        int MinImageSide = 1,
        long MaxDecodedPixels = 89_478_485,
        RgbConversion Rgb = RgbConversion.CompositeOntoWhite,
        bool ApplyExifOrientation = true,
        VisionPatchGeometry? Geometry = null)
    {
        this.Geometry = (Geometry ?? VisionPatchGeometry.Qwen25VL).Validated();
        this.MinPixels = MinPixels ?? this.Geometry.MinPixels;
        this.MaxPixels = MaxPixels ?? this.Geometry.MaxPixels;
        this.MaxAspectRatio = MaxAspectRatio;
        this.MinImageSide = MinImageSide;
        this.MaxDecodedPixels = MaxDecodedPixels;
        this.Rgb = Rgb;
        this.ApplyExifOrientation = ApplyExifOrientation;
    }

    /// <summary>The encoder's patch geometry and pixel statistics. A <c>with</c> that changes it keeps the pixel limits.</summary>
    public VisionPatchGeometry Geometry { get; init; }

    /// <summary>Smallest resized area.</summary>
    public int MinPixels { get; init; }

    /// <summary>Largest resized area.</summary>
    public int MaxPixels { get; init; }

    /// <summary>Longest over shortest side above which an image is rejected.</summary>
    public double MaxAspectRatio { get; init; }

    /// <summary>Smallest accepted side of the decoded image in pixels.</summary>
    public int MinImageSide { get; init; }

    /// <summary>Pixel budget checked from the image header before decoding.</summary>
    public long MaxDecodedPixels { get; init; }

    /// <summary>How transparency becomes RGB.</summary>
    public RgbConversion Rgb { get; init; }

    /// <summary>Whether files are turned upright as their EXIF orientation says.</summary>
    public bool ApplyExifOrientation { get; init; }
}
