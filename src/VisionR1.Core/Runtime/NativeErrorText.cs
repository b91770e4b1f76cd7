namespace VisionR1.Runtime;

/// <summary>
/// Shortens libtorch's error messages for people: TorchSharp passes them through with the native backtrace
/// (<c>Exception raised from … (most recent call first):</c> and a dozen <c>frame #N: …</c> lines). The message lines before the
/// backtrace say what went wrong; the backtrace only helps whoever debugs libtorch itself.
/// </summary>
public static class NativeErrorText
{
    /// <summary>
    /// <paramref name="message"/> without its native backtrace (the lines from the first <c>Exception raised from</c> or
    /// <c>frame #</c> line on), with a note of how many lines were left out; other messages are returned unchanged.
    /// </summary>
    public static string Brief(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var lines = message.Split('\n');
        int cut = Array.FindIndex(lines, l => l.TrimStart().StartsWith("Exception raised from ", StringComparison.Ordinal)
                                           || l.TrimStart().StartsWith("frame #", StringComparison.Ordinal));
        if (cut < 0) return message;
        var head = string.Join(" ", lines[..cut].Select(l => l.Trim()).Where(l => l.Length > 0));
        return $"{head} [native backtrace of {lines.Length - cut} line(s) left out]";
    }
}
