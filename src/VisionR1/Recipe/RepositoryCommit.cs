namespace VisionR1.Recipe;

/// <summary>
/// The git commit a folder's code was checked out at, read from the files of the nearest <c>.git</c> above it (HEAD, the branch's
/// ref, packed-refs; worktrees included) without running git. Recorded in a base's provenance.
/// </summary>
public static class RepositoryCommit
{
    /// <summary>The commit (40 hex digits) of the repository holding <paramref name="directory"/>, or null when there is none or it cannot be read.</summary>
    public static string? Find(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        try
        {
            for (var dir = new DirectoryInfo(Path.GetFullPath(directory)); dir is not null; dir = dir.Parent)
            {
                var dotGit = Path.Combine(dir.FullName, ".git");
                if (Directory.Exists(dotGit)) return FromGitDirectory(dotGit);
                if (File.Exists(dotGit))
                {
                    var line = File.ReadAllText(dotGit).Trim();
                    if (!line.StartsWith("gitdir:", StringComparison.Ordinal)) return null;
                    var gitDir = line["gitdir:".Length..].Trim();
                    return FromGitDirectory(Path.IsPathRooted(gitDir) ? gitDir : Path.GetFullPath(Path.Combine(dir.FullName, gitDir)));
                }
            }
            return null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static string? FromGitDirectory(string gitDir)
    {
        var head = File.ReadAllText(Path.Combine(gitDir, "HEAD")).Trim();
        if (!head.StartsWith("ref:", StringComparison.Ordinal)) return IsCommit(head) ? head : null;
        var name = head["ref:".Length..].Trim();
        var commonFile = Path.Combine(gitDir, "commondir");
        var common = File.Exists(commonFile) ? Path.GetFullPath(Path.Combine(gitDir, File.ReadAllText(commonFile).Trim())) : gitDir;
        foreach (var root in new[] { gitDir, common })
        {
            var refFile = Path.Combine(root, name);
            if (File.Exists(refFile)) return File.ReadAllText(refFile).Trim() is var sha && IsCommit(sha) ? sha : null;
        }
        var packed = Path.Combine(common, "packed-refs");
        if (!File.Exists(packed)) return null;
        foreach (var line in File.ReadLines(packed))
        {
            var parts = line.Split(' ', 2);
            if (parts.Length == 2 && parts[1].Trim() == name && IsCommit(parts[0])) return parts[0];
        }
        return null;
    }

    private static bool IsCommit(string text) => text.Length is 40 or 64 && text.All(char.IsAsciiHexDigit);
}
