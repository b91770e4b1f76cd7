using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace VisionR1.IO;

/// <summary>
/// One run per output folder: an exclusive operating-system lock on <c>FOLDER/.vr1.lock</c>, held until
/// <see cref="Dispose"/> or the end of the process. The kernel releases it when the process dies in any way (kill -9
/// included; on Linux .NET takes it with <c>flock</c>, on Windows it is a sharing lock), so a crash never leaves a stale
/// lock behind. A second run that asks for the same folder gets an <see cref="OutputFolderInUseException"/> naming the
/// holder's process id. The holder's details are kept beside the lock in <c>.vr1.lock.owner</c> (the lock file itself
/// cannot be read while it is held). The lock file stays in the folder after the run: deleting it could let two later
/// runs lock two different files of the same name.
/// </summary>
public sealed class OutputFolderLock : IDisposable
{
    /// <summary>The lock file's name inside the folder.</summary>
    public const string LockFileName = ".vr1.lock";

    /// <summary>The file beside the lock naming its holder (JSON: pid, what, started_utc).</summary>
    public const string OwnerFileName = ".vr1.lock.owner";

    private readonly FileStream _stream;
    private readonly string _ownerPath;
    private bool _disposed;

    private OutputFolderLock(string target, string ownerPath, FileStream stream)
    {
        Target = target;
        _ownerPath = ownerPath;
        _stream = stream;
    }

    /// <summary>The locked folder or file (full path).</summary>
    public string Target { get; }

    /// <summary>
    /// Creates <paramref name="folder"/> if needed and locks it for this process, recording <paramref name="what"/> (e.g.
    /// "vr1 sft") and the process id as the holder.
    /// </summary>
    /// <exception cref="OutputFolderInUseException">Another process (or another lock in this one) holds the folder; the message names its process id.</exception>
    public static OutputFolderLock Acquire(string folder, string what)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var full = Path.GetFullPath(folder);
        Directory.CreateDirectory(full);
        return Take(full, "Output folder", Path.Combine(full, LockFileName), Path.Combine(full, OwnerFileName), what);
    }

    /// <summary>
    /// Locks the output file <paramref name="file"/> (for a command whose output is one file, e.g. predictions or a filtered
    /// set, so that runs writing other files of the same folder are not held up): the lock is <c>.NAME.vr1.lock</c> beside it.
    /// The folder is created if needed; the file itself is not touched.
    /// </summary>
    /// <exception cref="OutputFolderInUseException">Another process holds the file; the message names its process id.</exception>
    public static OutputFolderLock AcquireForFile(string file, string what)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(file);
        var full = Path.GetFullPath(file);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var name = "." + Path.GetFileName(full) + LockFileName;
        return Take(full, "Output file", Path.Combine(dir, name), Path.Combine(dir, name + ".owner"), what);
    }

    private static OutputFolderLock Take(string target, string kind, string lockPath, string ownerPath, string what)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(what);
        FileStream stream;
        try
        {
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
        {
            var owner = ReadOwner(ownerPath);
            throw new OutputFolderInUseException(target, owner?.Pid, owner?.What,
                $"{kind} {target} is in use by another run ({Describe(owner)}); wait for it to end or choose another output.", e);
        }
        try
        {
            var owner = new Owner(Environment.ProcessId, what, DateTimeOffset.UtcNow);
            AtomicFile.WriteAllText(ownerPath, JsonSerializer.Serialize(owner));
            var bytes = System.Text.Encoding.UTF8.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            stream.SetLength(0);
            stream.Write(bytes);
            stream.Flush();
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        return new OutputFolderLock(target, ownerPath, stream);
    }

    /// <summary>Releases the lock (the lock file stays; the owner file is removed).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            File.Delete(_ownerPath);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        _stream.Dispose();
    }

    private static string Describe(Owner? owner)
    {
        if (owner is null) return "its process id is not recorded";
        bool alive;
        try
        {
            using var p = Process.GetProcessById(owner.Pid);
            alive = !p.HasExited;
        }
        catch (ArgumentException)
        {
            alive = false;
        }
        catch (InvalidOperationException)
        {
            alive = false;
        }
        var since = owner.StartedUtc.ToString("u", CultureInfo.InvariantCulture);
        return alive ? $"process {owner.Pid}, {owner.What}, since {since}" : $"process {owner.Pid} is recorded ({owner.What}, since {since}) but the lock is held by another";
    }

    private static Owner? ReadOwner(string ownerPath)
    {
        try
        {
            return JsonSerializer.Deserialize<Owner>(File.ReadAllText(ownerPath));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record Owner(int Pid, string What, DateTimeOffset StartedUtc);
}
