using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using VisionR1.IO;

namespace VisionR1.Grpo.Checkpoints;

/// <summary>
/// Checkpoint folders <c>step-00000042</c> under a root that prove their integrity. A save writes the content into a
/// temporary folder, hashes every file (SHA-256) and flushes it to the disk, writes a manifest listing each file with
/// its size and hash last, flushes the folder, and only then renames it into place. A crash at any point leaves
/// either the previous checkpoints alone or a temporary folder that nothing picks (and <see cref="RemoveLeftovers"/>
/// removes). A resume (<see cref="Resume{T}"/>) re-hashes the newest checkpoint's files against its manifest and
/// cross-checks its step before loading it; a damaged checkpoint is never deleted: it stops the resume with a
/// <see cref="CheckpointDamagedException"/> that names the file, or, with <see cref="ResumeMode.LatestGood"/>, is moved
/// aside as <c>step-N.damaged</c> and the next older one is tried. Keeps the newest N checkpoints; pruning never
/// removes the checkpoint this store last wrote or verified.
/// </summary>
public sealed partial class CheckpointStore
{
    /// <summary>The manifest written last into every checkpoint.</summary>
    public const string ManifestFileName = "checkpoint.json";

    /// <summary>The suffix of a damaged checkpoint's folder once it is moved aside.</summary>
    public const string DamagedSuffix = ".damaged";

    private const string TempPrefix = ".tmp-";
    private const int ManifestFormat = 2;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private string? _lastVerified;

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
    public CheckpointInfo Save(long step, Action<string> write, CancellationToken cancellationToken = default) =>
        Save(step, write, facts: null, cancellationToken);

    /// <summary>
    /// As <see cref="Save(long, Action{string}, CancellationToken)"/>, recording <paramref name="facts"/> (e.g. the data cursor)
    /// in the manifest so that a resume can cross-check them against the checkpoint's own files (<see cref="CheckpointInfo.Facts"/>).
    /// </summary>
    public CheckpointInfo Save(long step, Action<string> write, IReadOnlyDictionary<string, string>? facts, CancellationToken cancellationToken = default)
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
                .Select(f => new ManifestFile(Path.GetRelativePath(temp, f).Replace('\\', '/'), new FileInfo(f).Length, FileDigest.Sha256(f, flushToDisk: true)))
                .OrderBy(f => f.Path, StringComparer.Ordinal)
                .ToList();
            var created = DateTimeOffset.UtcNow;
            var factCopy = facts is null ? null : new SortedDictionary<string, string>(facts.ToDictionary(), StringComparer.Ordinal);
            using (var fs = new FileStream(Path.Combine(temp, ManifestFileName), FileMode.CreateNew, FileAccess.Write))
            {
                JsonSerializer.Serialize(fs, new Manifest(ManifestFormat, step, created, factCopy, files), Json);
                fs.Flush(flushToDisk: true);
            }
            foreach (var dir in Directory.EnumerateDirectories(temp, "*", SearchOption.AllDirectories)) DiskFlush.Directory(dir);
            DiskFlush.Directory(temp);
            var final = Path.Combine(Root, Name(step));
            if (Directory.Exists(final))
            {
                // Re-saving a step: move the old one aside first so a crash never leaves no copy at all.
                var aside = Path.Combine(Root, $"{TempPrefix}old-{Name(step)}-{Guid.NewGuid():N}");
                Directory.Move(final, aside);
                Directory.Move(temp, final);
                DiskFlush.Directory(Root);
                Directory.Delete(aside, recursive: true);
            }
            else
            {
                Directory.Move(temp, final);
                DiskFlush.Directory(Root);
            }
            _lastVerified = final;
            Prune();
            return new CheckpointInfo(step, final, created) { Facts = facts?.ToDictionary() ?? [] };
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Removes the temporary folders a killed run of this store's job left (an interrupted save or prune). Call it when the
    /// job starts again. Step folders are never touched, whatever their state: a damaged one is for <see cref="Resume{T}"/>
    /// to report. Returns how many folders were removed.
    /// </summary>
    public int RemoveLeftovers()
    {
        int removed = 0;
        foreach (var dir in Directory.EnumerateDirectories(Root, TempPrefix + "*"))
        {
            TryDelete(dir);
            if (!Directory.Exists(dir)) removed++;
        }
        return removed;
    }

    /// <summary>
    /// The checkpoints whose manifest is present and whose files have the listed sizes, oldest first (a quick check that
    /// reads no file content; <see cref="Verify"/> checks the hashes).
    /// </summary>
    public IReadOnlyList<CheckpointInfo> List()
    {
        var found = new List<CheckpointInfo>();
        foreach (var (step, dir) in StepFolders())
            if (ReadManifest(dir, out _) is { } manifest && manifest.Step == step && CheckSizes(dir, manifest).Count == 0)
                found.Add(Info(dir, manifest));
        return found.OrderBy(c => c.Step).ToList();
    }

    /// <summary>The newest checkpoint that passes the quick check of <see cref="List"/>, or null when there is none.</summary>
    public CheckpointInfo? Latest() => List() is { Count: > 0 } all ? all[^1] : null;

    /// <summary>
    /// Verifies the checkpoint folder <paramref name="directory"/> completely: the manifest is present and readable, its step
    /// matches the folder name, and every listed file exists with the listed size and SHA-256. Returns what is wrong (empty
    /// when it verifies).
    /// </summary>
    public static IReadOnlyList<CheckpointDamage> Verify(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var manifest = ReadManifest(directory, out var manifestDamage);
        if (manifest is null) return [manifestDamage!];
        var damage = new List<CheckpointDamage>();
        if (StepFolder().Match(Path.GetFileName(Path.TrimEndingDirectorySeparator(directory))) is { Success: true } m
            && long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) is var folderStep && folderStep != manifest.Step)
            damage.Add(new CheckpointDamage(ManifestFileName, "step differs from the folder name", folderStep.ToString(CultureInfo.InvariantCulture), manifest.Step.ToString(CultureInfo.InvariantCulture)));
        damage.AddRange(CheckSizes(directory, manifest));
        foreach (var f in manifest.Files)
        {
            if (damage.Any(d => d.File == f.Path)) continue;
            if (f.Sha256 is null)
            {
                damage.Add(new CheckpointDamage(f.Path, "no SHA-256 in the manifest (written by an older version)", "a hash", null));
                continue;
            }
            var found = FileDigest.Sha256(Path.Combine(directory, f.Path));
            if (!string.Equals(found, f.Sha256, StringComparison.OrdinalIgnoreCase))
                damage.Add(new CheckpointDamage(f.Path, "SHA-256 differs", f.Sha256, found));
        }
        return damage;
    }

    /// <summary>
    /// Finds the checkpoint to resume from and loads it: the newest step folder is verified (<see cref="Verify"/>), then
    /// <paramref name="load"/> runs on it (it may cross-check the checkpoint's own files against <see cref="CheckpointInfo.Facts"/>
    /// and throw a <see cref="CheckpointDamagedException"/>). A damaged checkpoint stops the resume with that exception under
    /// <see cref="ResumeMode.Latest"/>; under <see cref="ResumeMode.LatestGood"/> it is moved aside (never deleted) and the next
    /// older one is tried. Returns null when there is no checkpoint folder at all.
    /// </summary>
    /// <exception cref="CheckpointDamagedException">The newest checkpoint is damaged and <paramref name="mode"/> is <see cref="ResumeMode.Latest"/>;
    /// or, under <see cref="ResumeMode.LatestGood"/>, no checkpoint verifies (all were moved aside: training never restarts from scratch silently).</exception>
    public ResumedCheckpoint<T>? Resume<T>(ResumeMode mode, Func<CheckpointInfo, T> load)
    {
        ArgumentNullException.ThrowIfNull(load);
        var setAside = new List<SetAsideCheckpoint>();
        foreach (var (step, dir) in StepFolders().OrderByDescending(f => f.Step))
        {
            var damage = Verify(dir);
            if (damage.Count == 0)
            {
                var manifest = ReadManifest(dir, out _)!;
                var info = Info(dir, manifest);
                try
                {
                    var value = load(info);
                    _lastVerified = dir;
                    return new ResumedCheckpoint<T>(info, value, setAside);
                }
                catch (CheckpointDamagedException e)
                {
                    damage = e.Damage;
                }
            }
            if (mode == ResumeMode.Latest)
                throw new CheckpointDamagedException(dir, damage,
                    $"Nothing was changed. To move it aside (as {Path.GetFileName(dir)}{DamagedSuffix}) and resume from the newest checkpoint that verifies, resume with ResumeMode.LatestGood (vr1: --resume latest-good).");
            setAside.Add(new SetAsideCheckpoint(step, dir, MoveAside(dir), damage));
        }
        if (setAside.Count > 0)
            throw new CheckpointDamagedException(Root, setAside.SelectMany(s => s.Damage.Select(d => d with { File = $"{Path.GetFileName(s.From)}/{d.File}" })).ToList(),
                $"No checkpoint verifies; each was moved aside ({string.Join(", ", setAside.Select(s => Path.GetFileName(s.To)))}), none deleted. Start a new run in another folder, or repair a checkpoint and move it back.");
        return null;
    }

    private static string Name(long step) => "step-" + step.ToString("D8", CultureInfo.InvariantCulture);

    private IEnumerable<(long Step, string Dir)> StepFolders()
    {
        foreach (var dir in Directory.EnumerateDirectories(Root))
            if (StepFolder().Match(Path.GetFileName(dir)) is { Success: true } m)
                yield return (long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), dir);
    }

    private static CheckpointInfo Info(string dir, Manifest manifest) =>
        new(manifest.Step, dir, manifest.CreatedUtc) { Facts = manifest.Facts?.ToDictionary() ?? [] };

    private string MoveAside(string dir)
    {
        var target = dir + DamagedSuffix;
        for (int n = 2; Directory.Exists(target) || File.Exists(target); n++) target = $"{dir}{DamagedSuffix}-{n}";
        Directory.Move(dir, target);
        DiskFlush.Directory(Root);
        return target;
    }

    private static Manifest? ReadManifest(string dir, out CheckpointDamage? damage)
    {
        damage = null;
        var path = Path.Combine(dir, ManifestFileName);
        if (!File.Exists(path))
        {
            damage = new CheckpointDamage(ManifestFileName, "missing", "the manifest", null);
            return null;
        }
        try
        {
            var manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(path), Json);
            if (manifest?.Files is null || manifest.Files.Any(f => f?.Path is null || f.Size < 0 || Path.IsPathRooted(f.Path) || f.Path.Split('/').Contains("..")))
                damage = new CheckpointDamage(ManifestFileName, "not a manifest (no valid file list)", null, null);
            return damage is null ? manifest : null;
        }
        catch (JsonException e)
        {
            damage = new CheckpointDamage(ManifestFileName, $"not valid JSON ({e.Message})", null, null);
            return null;
        }
    }

    private static List<CheckpointDamage> CheckSizes(string dir, Manifest manifest)
    {
        var damage = new List<CheckpointDamage>();
        foreach (var f in manifest.Files)
        {
            var full = Path.Combine(dir, f.Path);
            if (!File.Exists(full)) damage.Add(new CheckpointDamage(f.Path, "missing", $"{f.Size} bytes", null));
            else if (new FileInfo(full).Length is var length && length != f.Size)
                damage.Add(new CheckpointDamage(f.Path, "size differs", $"{f.Size} bytes", $"{length} bytes"));
        }
        return damage;
    }

    private void Prune()
    {
        var complete = List();
        int excess = complete.Count - KeepLast;
        foreach (var old in complete)
        {
            if (excess <= 0) break;
            if (string.Equals(old.Directory, _lastVerified, StringComparison.Ordinal)) continue;
            // Renamed first, so a prune killed halfway leaves a temporary folder, never a half-deleted step folder.
            var doomed = Path.Combine(Root, $"{TempPrefix}prune-{Path.GetFileName(old.Directory)}-{Guid.NewGuid():N}");
            try
            {
                Directory.Move(old.Directory, doomed);
            }
            catch (IOException)
            {
                continue;
            }
            TryDelete(doomed);
            excess--;
        }
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

    private sealed record ManifestFile(string Path, long Size, string? Sha256);

    private sealed record Manifest(int Format, long Step, DateTimeOffset CreatedUtc, SortedDictionary<string, string>? Facts, List<ManifestFile> Files);
}
