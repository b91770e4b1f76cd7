using System.Security.Cryptography;

namespace VisionR1.IO;

/// <summary>SHA-256 content hashes of files, read in large blocks (the file is never held in memory whole).</summary>
public static class FileDigest
{
    private const int BlockBytes = 1 << 20;

    /// <summary>The SHA-256 of the file's bytes as 64 lowercase hex digits.</summary>
    /// <param name="path">The file.</param>
    /// <param name="flushToDisk">Also flush the file to the disk (<c>fsync</c>) after reading it, for a file just written.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static string Sha256(string path, bool flushToDisk = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, flushToDisk ? FileAccess.ReadWrite : FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BlockBytes];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0) hash.AppendData(buffer, 0, read);
        if (flushToDisk) stream.Flush(flushToDisk: true);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
