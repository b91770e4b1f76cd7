using System.Buffers;
using System.Runtime.InteropServices;
using SkiaSharp;

namespace VisionR1.Inputs;

/// <summary>
/// Decodes PNG, JPEG, WebP, GIF (first frame), BMP and the other formats SkiaSharp reads into
/// <see cref="RgbImage"/>: the header is checked against a pixel budget before decoding, EXIF
/// orientation is applied (unless asked not to), and an alpha channel is removed as
/// <see cref="RgbConversion"/> says: composited onto white by default (as Qwen's inference
/// utilities do), or dropped (as transformers' <c>convert_to_rgb</c> does).
/// </summary>
public static class ImageDecoder
{
    /// <summary>
    /// Decodes the file at <paramref name="path"/>, streaming it: only the header is read before
    /// the pixel budget is checked, so an oversized file is rejected without being loaded.
    /// </summary>
    /// <param name="path">The image file.</param>
    /// <param name="maxDecodedPixels">Pixel budget checked against the header before decoding.</param>
    /// <param name="conversion">How alpha is removed (default: composite onto white).</param>
    /// <param name="applyOrientation">Whether to turn the pixels as the EXIF orientation says (default true, as an image viewer and transformers' <c>load_image</c> do; transformers' processor alone does not).</param>
    /// <exception cref="InvalidImageException">The file is missing, unreadable, empty, corrupt, truncated or over budget.</exception>
    public static RgbImage DecodeFile(string path, long maxDecodedPixels,
        RgbConversion conversion = RgbConversion.CompositeOntoWhite, bool applyOrientation = true) =>
        DecodeFile(path, maxDecodedPixels, conversion, applyOrientation, rent: false);

    /// <summary>
    /// <see cref="DecodeFile(string, long, RgbConversion, bool)"/>, the pixels in an <see cref="ArrayPool{T}"/> buffer when
    /// <paramref name="rent"/> (at least, not exactly, Width·Height·3 bytes): the caller hands it back with <see cref="Return"/>.
    /// </summary>
    internal static RgbImage DecodeFile(string path, long maxDecodedPixels, RgbConversion conversion, bool applyOrientation, bool rent)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidImageException(path, $"cannot be read: {ex.Message}", ex);
        }

        using (stream)
        {
            try
            {
                return Decode(stream, path, maxDecodedPixels, conversion, applyOrientation, rent);
            }
            catch (IOException ex)
            {
                throw new InvalidImageException(path, $"cannot be read: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Decodes encoded image bytes; <paramref name="source"/> names the image in errors.</summary>
    /// <param name="data">The encoded image.</param>
    /// <param name="source">Names the image in errors.</param>
    /// <param name="maxDecodedPixels">Pixel budget checked against the header before decoding.</param>
    /// <param name="conversion">How alpha is removed (default: composite onto white).</param>
    /// <param name="applyOrientation">Whether to apply the EXIF orientation (default true).</param>
    /// <exception cref="InvalidImageException">The data is empty, corrupt, truncated, of an unknown format or over budget.</exception>
    public static RgbImage Decode(byte[] data, string source, long maxDecodedPixels,
        RgbConversion conversion = RgbConversion.CompositeOntoWhite, bool applyOrientation = true) =>
        Decode(data, source, maxDecodedPixels, conversion, applyOrientation, rent: false);

    /// <summary>Decodes encoded bytes, the pixels rented when <paramref name="rent"/> (see <see cref="Return"/>).</summary>
    internal static RgbImage Decode(byte[] data, string source, long maxDecodedPixels, RgbConversion conversion, bool applyOrientation, bool rent)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Decode(new MemoryStream(data, writable: false), source, maxDecodedPixels, conversion, applyOrientation, rent);
    }

    /// <summary>Hands the rented pixel buffer of an image decoded with <c>rent</c> back to the pool; the image must not be used after.</summary>
    internal static void Return(RgbImage rented) => ArrayPool<byte>.Shared.Return(rented.Pixels);

    /// <summary>Decodes an image from a seekable stream (left open); <paramref name="source"/> names the image in errors.</summary>
    /// <param name="stream">The encoded image, read from its current position.</param>
    /// <param name="source">Names the image in errors.</param>
    /// <param name="maxDecodedPixels">Pixel budget checked against the header before decoding.</param>
    /// <param name="conversion">How alpha is removed (default: composite onto white).</param>
    /// <param name="applyOrientation">Whether to apply the EXIF orientation (default true).</param>
    /// <exception cref="InvalidImageException">The data is empty, corrupt, truncated, of an unknown format or over budget.</exception>
    public static RgbImage Decode(Stream stream, string source, long maxDecodedPixels,
        RgbConversion conversion = RgbConversion.CompositeOntoWhite, bool applyOrientation = true) =>
        Decode(stream, source, maxDecodedPixels, conversion, applyOrientation, rent: false);

    private static RgbImage Decode(Stream stream, string source, long maxDecodedPixels, RgbConversion conversion, bool applyOrientation, bool rent)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        if (stream.CanSeek && stream.Length - stream.Position == 0)
        {
            throw new InvalidImageException(source, "is empty (0 bytes).");
        }

        using var codec = SKCodec.Create(new NonClosingStream(stream), out var createResult);
        if (codec is null)
        {
            throw new InvalidImageException(source, $"is corrupt or not a supported image format (PNG, JPEG, WebP, GIF, BMP): {createResult}.");
        }

        var width = codec.Info.Width;
        var height = codec.Info.Height;
        if (width <= 0 || height <= 0)
        {
            throw new InvalidImageException(source, $"has an invalid size {width}×{height}.");
        }

        if ((long)width * height > maxDecodedPixels)
        {
            throw new InvalidImageException(source,
                $"declares {width}×{height} = {(long)width * height:N0} pixels, over the decode budget of {maxDecodedPixels:N0} (possible decompression bomb); nothing was decoded.");
        }

        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        // The RGBA decode buffer is pooled and returned before this call ends: only the RGB image is allocated.
        var rgba = ArrayPool<byte>.Shared.Rent(info.BytesSize);
        try
        {
            var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
            SKCodecResult result;
            try
            {
                result = codec.GetPixels(info, handle.AddrOfPinnedObject());
            }
            finally
            {
                handle.Free();
            }

            if (result == SKCodecResult.IncompleteInput)
            {
                throw new InvalidImageException(source, "is truncated: the image data ends before the last row.");
            }

            if (result != SKCodecResult.Success)
            {
                throw new InvalidImageException(source, $"could not be decoded: {result}.");
            }

            var rgb = ToRgb(rgba, width, height, conversion, rent);
            if (!applyOrientation) return rgb;
            var oriented = ApplyOrientation(rgb, codec.EncodedOrigin, rent);
            if (rent && !ReferenceEquals(oriented, rgb)) Return(rgb);
            return oriented;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rgba);
        }
    }

    /// <summary>Converts a SkiaSharp bitmap (e.g. a rendered scene) to RGB, removing alpha as <paramref name="conversion"/> says.</summary>
    /// <param name="bitmap">The bitmap.</param>
    /// <param name="source">Names the image in errors.</param>
    /// <param name="conversion">How alpha is removed (default: composite onto white).</param>
    /// <exception cref="InvalidImageException">The bitmap is empty or its pixels cannot be read.</exception>
    public static RgbImage FromBitmap(SKBitmap bitmap, string source, RgbConversion conversion = RgbConversion.CompositeOntoWhite) =>
        FromBitmap(bitmap, source, conversion, rent: false);

    /// <summary>Converts a bitmap, the pixels rented when <paramref name="rent"/> (see <see cref="Return"/>).</summary>
    internal static RgbImage FromBitmap(SKBitmap bitmap, string source, RgbConversion conversion, bool rent)
    {
        ArgumentNullException.ThrowIfNull(bitmap);
        ArgumentNullException.ThrowIfNull(source);
        if (bitmap.Width <= 0 || bitmap.Height <= 0)
        {
            throw new InvalidImageException(source, $"is an empty bitmap ({bitmap.Width}×{bitmap.Height}).");
        }

        var info = new SKImageInfo(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = ArrayPool<byte>.Shared.Rent(info.BytesSize);
        try
        {
            var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
            try
            {
                using var pixmap = bitmap.PeekPixels();
                if (pixmap is null || !pixmap.ReadPixels(info, handle.AddrOfPinnedObject(), info.RowBytes, 0, 0))
                {
                    throw new InvalidImageException(source, "is a bitmap whose pixels cannot be read.");
                }
            }
            finally
            {
                handle.Free();
            }

            return ToRgb(rgba, bitmap.Width, bitmap.Height, conversion, rent);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rgba);
        }
    }

    /// <summary>Lets the codec own a wrapper without closing the caller's stream.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Unpremultiplied RGBA (the first width·height·4 bytes of <paramref name="rgba"/>, a pooled buffer) to RGB: alpha composited onto white, or dropped.</summary>
    private static RgbImage ToRgb(byte[] rgba, int width, int height, RgbConversion conversion, bool rent)
    {
        if (!Enum.IsDefined(conversion))
        {
            throw new ArgumentOutOfRangeException(nameof(conversion), conversion, "Unknown RGB conversion.");
        }

        var drop = conversion == RgbConversion.DropAlpha;
        var rgb = rent ? ArrayPool<byte>.Shared.Rent(width * height * 3) : new byte[width * height * 3];
        var length = width * height * 4;
        for (int p = 0, q = 0; p < length; p += 4, q += 3)
        {
            int a = rgba[p + 3];
            if (a == 255 || drop)
            {
                rgb[q] = rgba[p];
                rgb[q + 1] = rgba[p + 1];
                rgb[q + 2] = rgba[p + 2];
            }
            else
            {
                var white = 255 * (255 - a);
                rgb[q] = (byte)(((rgba[p] * a) + white + 127) / 255);
                rgb[q + 1] = (byte)(((rgba[p + 1] * a) + white + 127) / 255);
                rgb[q + 2] = (byte)(((rgba[p + 2] * a) + white + 127) / 255);
            }
        }

        return new RgbImage(width, height, rgb);
    }

    /// <summary>Turns the stored pixel grid into the displayed one for an EXIF orientation.</summary>
    internal static RgbImage ApplyOrientation(RgbImage image, SKEncodedOrigin origin, bool rent = false)
    {
        if (origin is SKEncodedOrigin.TopLeft or 0)
        {
            return image;
        }

        int w = image.Width, h = image.Height;
        var swaps = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        int outW = swaps ? h : w, outH = swaps ? w : h;
        var output = rent ? ArrayPool<byte>.Shared.Rent(w * h * 3) : new byte[w * h * 3];
        for (var y = 0; y < outH; y++)
        {
            for (var x = 0; x < outW; x++)
            {
                var (sx, sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (w - 1 - x, y),
                    SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),
                    SKEncodedOrigin.BottomLeft => (x, h - 1 - y),
                    SKEncodedOrigin.LeftTop => (y, x),
                    SKEncodedOrigin.RightTop => (y, h - 1 - x),
                    SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x),
                    SKEncodedOrigin.LeftBottom => (w - 1 - y, x),
                    _ => (x, y),
                };
                var src = ((sy * w) + sx) * 3;
                var dst = ((y * outW) + x) * 3;
                output[dst] = image.Pixels[src];
                output[dst + 1] = image.Pixels[src + 1];
                output[dst + 2] = image.Pixels[src + 2];
            }
        }

        return new RgbImage(outW, outH, output);
    }
}
