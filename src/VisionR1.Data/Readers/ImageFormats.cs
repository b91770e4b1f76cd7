namespace VisionR1.Data.Readers;

/// <summary>Recognises encoded image formats by their magic bytes.</summary>
public static class ImageFormats
{
    /// <summary>The media type of <paramref name="bytes"/> (image/png, image/jpeg, image/gif, image/webp, image/bmp), or application/octet-stream.</summary>
    public static string MediaType(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47]) ? "image/png"
        : bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "image/jpeg"
        : bytes.StartsWith("GIF8"u8) ? "image/gif"
        : bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8) ? "image/webp"
        : bytes.StartsWith("BM"u8) ? "image/bmp"
        : "application/octet-stream";

    /// <summary>A file extension (with the dot) for <paramref name="bytes"/>.</summary>
    public static string Extension(ReadOnlySpan<byte> bytes) => MediaType(bytes) switch
    {
        "image/png" => ".png",
        "image/jpeg" => ".jpg",
        "image/gif" => ".gif",
        "image/webp" => ".webp",
        "image/bmp" => ".bmp",
        _ => ".bin",
    };
}
