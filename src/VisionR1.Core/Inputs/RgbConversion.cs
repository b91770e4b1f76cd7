namespace VisionR1.Inputs;

/// <summary>
/// How an image with an alpha channel (RGBA PNG, WebP, GIF transparency, palette with tRNS)
/// becomes the RGB the vision tower sees. The two conventions in use for Qwen2.5-VL give
/// different pixels wherever alpha &lt; 255; opaque images are identical under both.
/// </summary>
public enum RgbConversion
{
    /// <summary>
    /// Composite onto a white background: out = (c·α + 255·(255 − α)) / 255, rounded. This is what
    /// Qwen's own inference utilities (<c>qwen_vl_utils</c>' <c>to_rgb</c>) do before the processor
    /// sees the image, and the library's default: fully transparent regions come out white, as the
    /// image is displayed, instead of whatever colour happens to be stored under alpha 0.
    /// </summary>
    CompositeOntoWhite = 0,

    /// <summary>
    /// Drop the alpha channel and keep the stored colour values, as Pillow's <c>convert("RGB")</c>
    /// does, which is what Hugging Face transformers' <c>Qwen2VLImageProcessor</c>
    /// (<c>convert_to_rgb</c>) does when it is handed an RGBA image directly. Choose this for
    /// pixel parity with transformers' processor.
    /// </summary>
    DropAlpha = 1,
}
