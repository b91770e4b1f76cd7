namespace VisionR1.Inputs;

/// <summary>
/// Thrown when an image cannot be used: empty, truncated, corrupt or of an unknown format, larger
/// than the decode pixel budget (a possible decompression bomb), too small, or too elongated.
/// The message starts with <c>Image '&lt;source&gt;'</c> and says what is wrong.
/// </summary>
public sealed class InvalidImageException : Exception
{
    /// <summary>Creates the exception for the image named <paramref name="imageSource"/>.</summary>
    public InvalidImageException(string imageSource, string reason, Exception? inner = null)
        : base($"Image '{imageSource}' {reason}", inner)
    {
        ImageSource = imageSource;
        Reason = reason;
    }

    /// <summary>The file path or caller-given name of the image.</summary>
    public string ImageSource { get; }

    /// <summary>What is wrong with it.</summary>
    public string Reason { get; }
}
