using System.Text;

namespace VisionR1.IO;

/// <summary>
/// Writes files so that a reader, or a run resumed after a crash, sees either the old content or the new one,
/// never a torn file: the content goes to a uniquely named temporary file beside the target, is flushed to the
/// disk (unless the writer closed the stream itself), and is renamed over the target. A failed write leaves the target untouched and removes the temporary.
/// </summary>
public static class AtomicFile
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes what <paramref name="write"/> puts into the stream to <paramref name="path"/> atomically (the folder is created if missing).</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var (full, temp) = Prepare(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                // A writer that closed the stream has flushed it already.
                if (stream.CanWrite) stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>The asynchronous form of <see cref="Write"/>: <paramref name="write"/> fills the stream (opened for asynchronous I/O).</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var (full, temp) = Prepare(path);
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                if (stream.CanWrite) stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>The full target path and a fresh hidden temporary file next to it (same folder, so the rename is atomic); creates the folder.</summary>
    private static (string Full, string Temp) Prepare(string path)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        return (full, Path.Combine(dir, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..12] + ".tmp"));
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Write(path, stream =>
        {
            var bytes = Utf8.GetBytes(text);
            stream.Write(bytes, 0, bytes.Length);
        });
    }

    /// <summary>Writes <paramref name="lines"/>, each followed by a newline, as UTF-8 to <paramref name="path"/> atomically.</summary>
    public static void WriteAllLines(string path, IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, Utf8, 1 << 16, leaveOpen: true) { NewLine = "\n" };
            foreach (var line in lines) writer.WriteLine(line);
        });
    }
}
