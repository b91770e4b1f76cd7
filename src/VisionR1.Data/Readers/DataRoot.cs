namespace VisionR1.Data.Readers;

/// <summary>Resolves image paths against a data root and refuses any that leave it.</summary>
public static class DataRoot
{
    /// <summary>
    /// The full path of <paramref name="relativePath"/> under <paramref name="root"/>.
    /// Throws <see cref="ArgumentException"/> for rooted paths and for paths that climb out of the root.
    /// </summary>
    public static string Resolve(string root, string relativePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(relativePath);
        if (Path.IsPathRooted(relativePath) || relativePath.StartsWith('/') || relativePath.StartsWith('\\'))
            throw new ArgumentException($"image path '{relativePath}' is absolute; paths must be relative to the data root");
        var fullRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var full = Path.GetFullPath(Path.Combine(fullRoot, relativePath));
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (!full.StartsWith(fullRoot + Path.DirectorySeparatorChar, comparison))
            throw new ArgumentException($"image path '{relativePath}' leaves the data root '{fullRoot}'");
        return full;
    }
}
