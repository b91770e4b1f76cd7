using Microsoft.Extensions.AI;
using VisionR1.Data.Readers;
using VisionR1.Data.Records;
using VisionR1.Inputs;
using VisionR1.Problems;

namespace VisionR1.Data.Chat;

/// <summary>
/// Turns an item's image into the content of a chat request: the bytes are read, decoded and checked as the model's image
/// processor checks them (so an empty, truncated, corrupt, oversized, too small or too elongated image never reaches the endpoint) and sent with their real media type. A request for an image item therefore
/// always carries its image, or the item fails with the image named.
/// </summary>
public static class ChatImages
{
    /// <summary>The decode budget (pixels) an image must fit, as <see cref="ImageProcessorOptions.MaxDecodedPixels"/>.</summary>
    public static long MaxDecodedPixels { get; } = new ImageProcessorOptions().MaxDecodedPixels;

    private static readonly ImageProcessor Geometry = new();

    /// <summary>The checked request content for image <paramref name="index"/> of item <paramref name="itemId"/>.</summary>
    /// <exception cref="InvalidImageException">The image is missing, unreadable, not an image, corrupt, over the pixel budget, or of a
    /// format chat endpoints do not take; the message names the item, the image and why.</exception>
    public static DataContent Load(ImageRef image, string itemId, int index)
    {
        ArgumentNullException.ThrowIfNull(image);
        var source = image.Path ?? $"{itemId} image {index}";
        byte[] bytes;
        try
        {
            bytes = image.Bytes ?? (image.Path is { } path ? File.ReadAllBytes(path) : throw new InvalidImageException(source, "has neither bytes nor a path"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidImageException(source, $"of item '{itemId}' cannot be read: {e.Message}", e);
        }
        var mediaType = ImageFormats.MediaType(bytes);
        if (!mediaType.StartsWith("image/", StringComparison.Ordinal))
            throw new InvalidImageException(source, bytes.Length == 0 ? $"of item '{itemId}' is empty (0 bytes)" : $"of item '{itemId}' is not a PNG, JPEG, GIF, WebP or BMP image");
        try
        {
            // Decoded and put through the processor's size and aspect-ratio checks: what a local model would refuse is refused here too.
            Geometry.Resize(ImageDecoder.Decode(bytes, source, MaxDecodedPixels), source);
        }
        catch (InvalidImageException e)
        {
            throw new InvalidImageException(source, $"of item '{itemId}' cannot be decoded: {e.Reason}", e);
        }
        return new DataContent(bytes, mediaType);
    }

    /// <summary>The checked request contents of every image of <paramref name="problem"/>, in order.</summary>
    /// <exception cref="InvalidImageException">An image cannot be sent (see <see cref="Load(ImageRef, string, int)"/>).</exception>
    public static List<AIContent> Load(MathProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem.Images.Select((img, i) => (AIContent)Load(img, problem.Id, i)).ToList();
    }
}
