using System.Diagnostics;
using VisionR1.IO;
using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Cli;

/// <summary>
/// One run per output folder: a second `vr1` process on a folder in use is refused with the holder's process id, and a
/// holder killed with SIGKILL leaves no stale lock (the kernel releases it).
/// </summary>
public sealed class OutputLockTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-lock-");

    public void Dispose() => _dir.Delete(true);

    private static Process StartVr1(params string[] argv)
    {
        var host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(CommandLine).Assembly.Location);
        foreach (var a in argv) start.ArgumentList.Add(a);
        start.Environment["VR1_ALLOCATOR"] = "glibc"; // no re-exec: the process id stays the one started
        return Process.Start(start)!;
    }

    [Fact]
    public async Task A_second_process_on_a_locked_folder_is_refused_with_the_holders_process_id()
    {
        var world = Path.Combine(_dir.FullName, "world");
        using (OutputFolderLock.Acquire(world, "test holder"))
        {
            using var child = StartVr1("world", "--out", world, "--train", "1", "--test", "1", "--size", "56");
            var err = await child.StandardError.ReadToEndAsync();
            await child.WaitForExitAsync();
            Assert.Equal(1, child.ExitCode);
            Assert.Contains($"Output folder {world} is in use by another run (process {Environment.ProcessId}, test holder", err, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(world, "world.json")));
        }
        // Released: the same command now runs.
        using var again = StartVr1("world", "--out", world, "--train", "1", "--test", "1", "--size", "56");
        await again.WaitForExitAsync();
        Assert.Equal(0, again.ExitCode);
    }

    [Fact]
    public async Task A_holder_killed_with_sigkill_leaves_no_stale_lock()
    {
        var world = Path.Combine(_dir.FullName, "big");
        // A world big enough to hold its lock for a while.
        using var child = StartVr1("world", "--out", world, "--train", "200000", "--test", "1", "--size", "56");
        var owner = Path.Combine(world, OutputFolderLock.OwnerFileName);
        var waited = Stopwatch.StartNew();
        while (!(File.Exists(owner) && File.ReadAllText(owner).Contains($"\"Pid\":{child.Id}", StringComparison.Ordinal)))
        {
            Assert.False(child.HasExited, "the holder ended before its lock was seen");
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), "the holder never took its lock");
            await Task.Delay(50);
        }
        var e = Assert.Throws<OutputFolderInUseException>(() => OutputFolderLock.Acquire(world, "test"));
        Assert.Equal(child.Id, e.HolderProcessId);
        Assert.Contains($"process {child.Id}, vr1 world", e.Message, StringComparison.Ordinal);

        child.Kill(); // SIGKILL on Unix: no clean-up code runs
        await child.WaitForExitAsync();
        using var mine = OutputFolderLock.Acquire(world, "test");
        Assert.Equal(Path.GetFullPath(world), mine.Target);
    }
}
