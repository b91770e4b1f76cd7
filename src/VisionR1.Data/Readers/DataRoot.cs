namespace VisionR1.Data.Readers;

/// <summary>
/// Resolves image paths against a data root and refuses any that leave it. Symbolic links are followed component by
/// component (files and folders alike), so a link inside the root that points outside it is refused, and the path
/// handed back has no links left in it: what is opened later is what was checked.
/// </summary>
public static class DataRoot
{
    private const int MaxLinkHops = 40;

    /// <summary>
    /// The real path of <paramref name="relativePath"/> under <paramref name="root"/>, every symbolic link resolved.
    /// Throws <see cref="ArgumentException"/> for rooted paths and for paths whose real location is outside the root's real location.
    /// </summary>
    public static string Resolve(string root, string relativePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        ArgumentException.ThrowIfNullOrWhiteSpace(relativePath);
        if (Path.IsPathRooted(relativePath) || relativePath.StartsWith('/') || relativePath.StartsWith('\\'))
            throw new ArgumentException($"image path '{relativePath}' is absolute; paths must be relative to the data root");
        var realRoot = RealPath(root);
        var lexical = Path.GetFullPath(Path.Combine(Path.GetFullPath(root), relativePath));
        if (!IsInside(Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)), lexical))
            throw new ArgumentException($"image path '{relativePath}' leaves the data root '{realRoot}'");
        var real = RealPath(Path.Combine(Path.GetFullPath(root), relativePath));
        if (!IsInside(realRoot, real))
            throw new ArgumentException($"image path '{relativePath}' leaves the data root '{realRoot}' (it resolves to '{real}' through a symbolic link)");
        return real;
    }

    /// <summary>
    /// The absolute path of <paramref name="path"/> with every symbolic link resolved (like POSIX <c>realpath</c>; components
    /// that do not exist are kept as written). Throws <see cref="IOException"/> on a link loop.
    /// </summary>
    public static string RealPath(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        int hops = 0;
        return Walk(Path.IsPathRooted(path) ? path : Path.Combine(Directory.GetCurrentDirectory(), path), ref hops);
    }

    /// <summary>
    /// <paramref name="path"/> relative to <paramref name="root"/> (forward slashes) when its real location is inside the root's
    /// real location; otherwise null.
    /// </summary>
    public static string? RelativeInside(string root, string path)
    {
        var realRoot = RealPath(root);
        var real = RealPath(path);
        return IsInside(realRoot, real) ? Path.GetRelativePath(realRoot, real).Replace('\\', '/') : null;
    }

    private static bool IsInside(string root, string full)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var prefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        return full.StartsWith(prefix, comparison);
    }

    private static string Walk(string absolute, ref int hops)
    {
        var start = Path.GetPathRoot(absolute)!;
        var current = start;
        foreach (var part in absolute[start.Length..].Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            var next = Path.Combine(current, part);
            var target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++hops > MaxLinkHops) throw new IOException($"too many levels of symbolic links at '{next}'");
            current = Walk(Path.IsPathRooted(target) ? target : Path.Combine(current, target), ref hops);
        }
        return current;
    }
}
