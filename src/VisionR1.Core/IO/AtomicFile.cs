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

    /// <summary>
    /// Deletes the temporary files that writes of <paramref name="path"/> left behind when their process was killed
    /// (<c>.NAME.xxxxxxxxxxxx.tmp</c> beside it). Call it when a job that writes <paramref name="path"/> starts again; a write
    /// of the same path under way in another process at that moment would fail. Returns how many were deleted.
    /// </summary>
    public static int RemoveOrphans(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        return Sweep(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + ".", exact: true);
    }

    /// <summary>
    /// Deletes every temporary file this class's writes left in <paramref name="folder"/> (not its subfolders), for a job that
    /// owns the whole folder (e.g. a step cache) when it starts again. Returns how many were deleted.
    /// </summary>
    public static int RemoveOrphansIn(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        return Sweep(Path.GetFullPath(folder), ".", exact: false);
    }

    private static int Sweep(string folder, string prefix, bool exact)
    {
        if (!Directory.Exists(folder)) return 0;
        int removed = 0;
        foreach (var file in Directory.EnumerateFiles(folder, prefix + "*.tmp"))
        {
            // Exactly the names Prepare makes: "." + target name + "." + 12 lowercase hex digits + ".tmp".
            var name = Path.GetFileName(file);
            int minimum = prefix.Length + (exact ? 16 : 18);
            if ((exact ? name.Length != minimum : name.Length < minimum) || !name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var tag = name.AsSpan(name.Length - 17, 13);
            if (tag[0] != '.' || !IsLowerHex(tag[1..])) continue;
            try
            {
                File.Delete(file);
                removed++;
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return removed;
    }

    private static bool IsLowerHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f')) return false;
        return true;
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
