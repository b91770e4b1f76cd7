using SkiaSharp;

namespace VisionR1.Inputs;

/// <summary>
/// The Qwen image processor (transformers' <c>Qwen2VLImageProcessor</c>, which Qwen2.5-VL and Qwen3-VL both use):
/// decode (see <see cref="ImageDecoder"/>), check size and aspect ratio, <see cref="SmartResize"/> to multiples of the
/// geometry's patch × merge, bicubic resize, rescale by 1/255, normalise with the geometry's mean/std, and patchify into
/// <see cref="ProcessedImage"/>. The processed image keeps the resized 8-bit
/// pixels; rescaling, normalising and patchifying happen when a batch writes its patches. Stateless and thread-safe.
/// </summary>
/// <param name="options">Geometry, pixel limits and guards; null for the released Qwen2.5-VL defaults.</param>
public sealed class ImageProcessor(ImageProcessorOptions? options = null)
{
    /// <summary>The settings in use.</summary>
    public ImageProcessorOptions Options { get; } = options ?? new ImageProcessorOptions();

    /// <summary>The encoder's patch geometry and pixel statistics (<see cref="ImageProcessorOptions.Geometry"/>).</summary>
    public VisionPatchGeometry Geometry => Options.Geometry;

    /// <summary>
    /// The target size of Qwen2-VL's <c>smart_resize</c>: both sides multiples of
    /// <paramref name="factor"/>, area within [min, max], aspect ratio kept as far as possible.
    /// Each side is first rounded to the nearest multiple (ties to even, as Python's <c>round</c>);
    /// if the area then exceeds <paramref name="maxPixels"/> both sides are scaled by
    /// β = √(h·w / max) and floored to multiples; if it is below <paramref name="minPixels"/> they are
    /// scaled by β = √(min / (h·w)) and ceiled. There is no minimum side: as in transformers 4.53 and
    /// later, a 20×20 image becomes 56×56 (earlier releases raised an error for sides under 28). The defaults are
    /// Qwen2.5-VL's (factor 28, 3136 to 12,845,056 pixels); Qwen3-VL's are 32, 65,536 and 16,777,216
    /// (<see cref="VisionPatchGeometry.Qwen3VL"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A side is not positive, or the aspect ratio exceeds <paramref name="maxAspectRatio"/>.</exception>
    public static (int Height, int Width) SmartResize(
        int height, int width, int factor = 28, int minPixels = 3136, int maxPixels = 12_845_056,
        double maxAspectRatio = 200)
    {
        if (height <= 0 || width <= 0)
        {
            throw new ArgumentException($"Image sides must be positive, got {width}×{height}.");
        }

        var ratio = (double)Math.Max(height, width) / Math.Min(height, width);
        if (ratio > maxAspectRatio)
        {
            throw new ArgumentException($"Absolute aspect ratio must be at most {maxAspectRatio}, got {ratio:0.##} ({width}×{height}).");
        }

        var hBar = (long)Math.Round((double)height / factor) * factor;
        var wBar = (long)Math.Round((double)width / factor) * factor;
        if (hBar * wBar > maxPixels)
        {
            var beta = Math.Sqrt((double)height * width / maxPixels);
            hBar = Math.Max(factor, (long)Math.Floor(height / beta / factor) * factor);
            wBar = Math.Max(factor, (long)Math.Floor(width / beta / factor) * factor);
        }
        else if (hBar * wBar < minPixels)
        {
            var beta = Math.Sqrt((double)minPixels / ((double)height * width));
            hBar = (long)Math.Ceiling(height * beta / factor) * factor;
            wBar = (long)Math.Ceiling(width * beta / factor) * factor;
        }

        return ((int)hBar, (int)wBar);
    }

    /// <summary>Decodes and processes the image file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidImageException">The image cannot be used; the message names the path.</exception>
    public ProcessedImage ProcessFile(string path) =>
        ProcessRented(ImageDecoder.DecodeFile(path, Options.MaxDecodedPixels, Options.Rgb, Options.ApplyExifOrientation, rent: true), path);

    /// <summary>Decodes and processes encoded image bytes; <paramref name="source"/> names the image in errors.</summary>
    /// <exception cref="InvalidImageException">The image cannot be used.</exception>
    public ProcessedImage Process(byte[] encoded, string source) =>
        ProcessRented(ImageDecoder.Decode(encoded, source, Options.MaxDecodedPixels, Options.Rgb, Options.ApplyExifOrientation, rent: true), source);

    /// <summary>Processes a SkiaSharp bitmap, e.g. a scene rendered in memory.</summary>
    /// <exception cref="InvalidImageException">The image cannot be used.</exception>
    public ProcessedImage Process(SKBitmap bitmap, string source) =>
        ProcessRented(ImageDecoder.FromBitmap(bitmap, source, Options.Rgb, rent: true), source);

    /// <summary>Processes an already decoded image.</summary>
    /// <exception cref="InvalidImageException">The image is too small or too elongated.</exception>
    public ProcessedImage Process(RgbImage image, string source) => new(source, Resize(image, source), Geometry);

    /// <summary>
    /// Processes a decoded image whose pixels are a pooled buffer and hands the buffer back, so a decode leaves only the
    /// resized pixels the processed image keeps (an image already at its size is copied out of the buffer).
    /// </summary>
    private ProcessedImage ProcessRented(RgbImage decoded, string source)
    {
        try
        {
            var resized = Resize(decoded, source);
            if (ReferenceEquals(resized, decoded))
                resized = new RgbImage(decoded.Width, decoded.Height, decoded.Pixels.AsSpan(0, decoded.Width * decoded.Height * 3).ToArray());
            return new ProcessedImage(source, resized, Geometry);
        }
        finally
        {
            ImageDecoder.Return(decoded);
        }
    }

    /// <summary>
    /// The steps before patchify: validate, smart-resize (bicubic), rescale and normalise.
    /// Returns normalised planes (3, H, W) flattened and the resized size.
    /// </summary>
    /// <exception cref="InvalidImageException">The image is too small or too elongated.</exception>
    public (float[] Planes, int Height, int Width) ResizeAndNormalize(RgbImage image, string source)
    {
        var resized = Resize(image, source);
        return (Normalize(resized, Geometry), resized.Height, resized.Width);
    }

    /// <summary>Validates <paramref name="image"/> and smart-resizes it (bicubic, as Pillow) to the size the encoder sees.</summary>
    /// <exception cref="InvalidImageException">The image is too small or too elongated.</exception>
    public RgbImage Resize(RgbImage image, string source)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(source);
        if (image.Width < Options.MinImageSide || image.Height < Options.MinImageSide)
        {
            throw new InvalidImageException(source,
                $"is {image.Width}×{image.Height} pixels; both sides must be at least {Options.MinImageSide}.");
        }

        var ratio = (double)Math.Max(image.Width, image.Height) / Math.Min(image.Width, image.Height);
        if (ratio > Options.MaxAspectRatio)
        {
            throw new InvalidImageException(source,
                $"is {image.Width}×{image.Height} pixels; its aspect ratio {ratio:0.##} exceeds the limit of {Options.MaxAspectRatio}.");
        }

        var (height, width) = SmartResize(image.Height, image.Width, Geometry.Factor, Options.MinPixels, Options.MaxPixels, Options.MaxAspectRatio);
        return BicubicResampler.Resize(image, width, height);
    }

    /// <summary>
    /// Rescales 8-bit RGB to [0, 1] and normalises each channel with <paramref name="geometry"/>'s mean/std
    /// (<see cref="VisionPatchGeometry.Qwen25VL"/> when null), as planes (3, H, W).
    /// </summary>
    public static float[] Normalize(RgbImage image, VisionPatchGeometry? geometry = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (scale, shift) = NormalizationCoefficients(geometry ?? VisionPatchGeometry.Qwen25VL);
        var plane = image.Width * image.Height;
        var planes = new float[3 * plane];
        var px = image.Pixels;
        for (var i = 0; i < plane; i++)
        {
            planes[i] = (px[i * 3] * scale[0]) - shift[0];
            planes[plane + i] = (px[(i * 3) + 1] * scale[1]) - shift[1];
            planes[(2 * plane) + i] = (px[(i * 3) + 2] * scale[2]) - shift[2];
        }

        return planes;
    }

    /// <summary>
    /// Per channel, the factor and offset of rescale-and-normalise as one multiply-subtract:
    /// (v / 255 − mean) / std = v · (1 / (255·std)) − mean / std.
    /// </summary>
    internal static (float[] Scale, float[] Shift) NormalizationCoefficients(VisionPatchGeometry geometry)
    {
        var scale = new float[VisionPatchGeometry.Channels];
        var shift = new float[VisionPatchGeometry.Channels];
        for (var c = 0; c < VisionPatchGeometry.Channels; c++)
        {
            scale[c] = 1f / (255f * geometry.Std[c]);
            shift[c] = geometry.Mean[c] / geometry.Std[c];
        }

        return (scale, shift);
    }
}
