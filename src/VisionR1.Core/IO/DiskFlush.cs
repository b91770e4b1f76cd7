using System.Runtime.InteropServices;

namespace VisionR1.IO;

/// <summary>
/// Forces written data onto the disk (<c>fsync</c>), so that what a crash or power loss leaves is what was
/// written: the bytes of a file, and the names in a folder (a rename or a new file is durable only once its
/// folder is flushed too, on Linux and macOS).
/// </summary>
public static class DiskFlush
{
    /// <summary>Flushes the content of the file at <paramref name="path"/> to the disk.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static void File(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Flushes the entries of the folder at <paramref name="path"/> (names created, renamed or removed in it) to the
    /// disk. On Windows, where a folder cannot be opened for flushing and NTFS journals its entries, this does nothing.
    /// </summary>
    /// <exception cref="IOException">The folder cannot be opened or flushed; the message names it.</exception>
    public static void Directory(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (OperatingSystem.IsWindows()) return;
        int fd = Open(path, 0); // O_RDONLY: a folder opens read-only, and fsync on that descriptor flushes its entries
        if (fd < 0) throw new IOException($"Cannot open folder {path} to flush it (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"Cannot flush folder {path} to the disk (errno {Marshal.GetLastPInvokeError()}).");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
