using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace VisionR1.Grpo.Checkpoints;

/// <summary>
/// Checkpoint folders <c>step-00000042</c> under a root, written atomically: the content goes into a
/// temporary folder, a manifest listing every file with its size is written last, and only then is the
/// folder renamed into place. A crash at any point leaves either the previous checkpoints alone or a
/// temporary folder that <see cref="Latest"/> ignores (and the next save removes). A folder whose
/// manifest is missing or does not match its files is never picked. Keeps the newest N checkpoints.
/// </summary>
public sealed partial class CheckpointStore
{
    /// <summary>The manifest written last into every checkpoint.</summary>
    public const string ManifestFileName = "checkpoint.json";

    private const string TempPrefix = ".tmp-";

    /// <summary>Uses (creating) <paramref name="root"/>, keeping the newest <paramref name="keepLast"/> checkpoints.</summary>
    public CheckpointStore(string root, int keepLast = 3)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        if (keepLast < 1) throw new ArgumentOutOfRangeException(nameof(keepLast), keepLast, "Keep at least one checkpoint.");
        Root = Path.GetFullPath(root);
        KeepLast = keepLast;
        Directory.CreateDirectory(Root);
    }

    /// <summary>The folder holding the checkpoints.</summary>
    public string Root { get; }

    /// <summary>How many complete checkpoints are kept.</summary>
    public int KeepLast { get; }

    /// <summary>
    /// Writes a checkpoint for <paramref name="step"/>: <paramref name="write"/> fills the folder it is given;
    /// then the manifest is written and the folder moved into place. Older checkpoints beyond
    /// <see cref="KeepLast"/> and leftover temporary folders are removed afterwards.
    /// </summary>
    public CheckpointInfo Save(long step, Action<string> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step));
        var temp = Path.Combine(Root, $"{TempPrefix}{Name(step)}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            write(temp);
            cancellationToken.ThrowIfCancellationRequested();
            var files = Directory.EnumerateFiles(temp, "*", SearchOption.AllDirectories)
                .Select(f => new ManifestFile(Path.GetRelativePath(temp, f).Replace('\\', '/'), new FileInfo(f).Length))
                .OrderBy(f => f.Path, StringComparer.Ordinal)
                .ToList();
            var created = DateTimeOffset.UtcNow;
            using (var fs = new FileStream(Path.Combine(temp, ManifestFileName), FileMode.CreateNew, FileAccess.Write))
            {
                JsonSerializer.Serialize(fs, new Manifest(step, created, files));
                fs.Flush(flushToDisk: true);
            }
            var final = Path.Combine(Root, Name(step));
            if (Directory.Exists(final))
            {
                // Re-saving a step: move the old one aside first so a crash never leaves no copy at all.
                var aside = Path.Combine(Root, $"{TempPrefix}old-{Name(step)}-{Guid.NewGuid():N}");
                Directory.Move(final, aside);
                Directory.Move(temp, final);
                Directory.Delete(aside, recursive: true);
            }
            else
            {
                Directory.Move(temp, final);
            }
            Prune();
            return new CheckpointInfo(step, final, created);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Removes what a killed run of this store's job left: temporary folders (an interrupted save or prune) and step folders
    /// that are not complete checkpoints (a prune killed halfway through deleting one, so its manifest or files are gone).
    /// Call it when the job starts again; complete checkpoints are never touched. Returns how many folders were removed.
    /// </summary>
    public int RemoveLeftovers()
    {
        int removed = 0;
        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            var name = Path.GetFileName(dir);
            bool leftover = name.StartsWith(TempPrefix, StringComparison.Ordinal)
                || (StepFolder().IsMatch(name) && ReadComplete(dir) is null);
            if (!leftover) continue;
            TryDelete(dir);
            if (!Directory.Exists(dir)) removed++;
        }
        return removed;
    }

    /// <summary>The complete checkpoints, oldest first.</summary>
    public IReadOnlyList<CheckpointInfo> List()
    {
        var found = new List<CheckpointInfo>();
        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            var m = StepFolder().Match(Path.GetFileName(dir));
            if (!m.Success) continue;
            if (ReadComplete(dir) is { } manifest && manifest.Step == long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
                found.Add(new CheckpointInfo(manifest.Step, dir, manifest.CreatedUtc));
        }
        return found.OrderBy(c => c.Step).ToList();
    }

    /// <summary>The newest complete checkpoint, or null when there is none.</summary>
    public CheckpointInfo? Latest() => List() is { Count: > 0 } all ? all[^1] : null;

    private static string Name(long step) => "step-" + step.ToString("D8", CultureInfo.InvariantCulture);

    private static Manifest? ReadComplete(string dir)
    {
        var path = Path.Combine(dir, ManifestFileName);
        if (!File.Exists(path)) return null;
        Manifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(path));
        }
        catch (JsonException)
        {
            return null;
        }
        if (manifest?.Files is null) return null;
        foreach (var f in manifest.Files)
        {
            var full = Path.Combine(dir, f.Path);
            if (!File.Exists(full) || new FileInfo(full).Length != f.Size) return null;
        }
        return manifest;
    }

    private void Prune()
    {
        var complete = List();
        foreach (var old in complete.Take(Math.Max(0, complete.Count - KeepLast)))
            TryDelete(old.Directory);
        foreach (var dir in Directory.EnumerateDirectories(Root, TempPrefix + "*"))
            TryDelete(dir);
    }

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // Left for the next prune.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [GeneratedRegex(@"^step-(\d{8,})$")]
    private static partial Regex StepFolder();

    private sealed record ManifestFile(string Path, long Size);

    private sealed record Manifest(long Step, DateTimeOffset CreatedUtc, List<ManifestFile> Files);
}
