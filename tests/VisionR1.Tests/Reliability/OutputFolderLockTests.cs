using VisionR1.IO;

namespace VisionR1.Tests.Reliability;

/// <summary>The output lock of the library: exclusive while held, free again once disposed, per folder or per output file.</summary>
public sealed class OutputFolderLockTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-lock-");

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public void A_held_folder_refuses_a_second_lock_naming_the_holder_and_is_free_after_dispose()
    {
        var folder = Path.Combine(_dir.FullName, "run");
        var first = OutputFolderLock.Acquire(folder, "first run");
        var e = Assert.Throws<OutputFolderInUseException>(() => OutputFolderLock.Acquire(folder, "second run"));
        Assert.Equal(Environment.ProcessId, e.HolderProcessId);
        Assert.Equal("first run", e.Holder);
        Assert.Contains($"process {Environment.ProcessId}, first run", e.Message, StringComparison.Ordinal);
        first.Dispose();
        using var second = OutputFolderLock.Acquire(folder, "second run");
        Assert.True(File.Exists(Path.Combine(folder, OutputFolderLock.LockFileName)));
    }

    [Fact]
    public void File_locks_are_per_output_file()
    {
        var a = Path.Combine(_dir.FullName, "eval", "a.jsonl");
        using var lockA = OutputFolderLock.AcquireForFile(a, "eval a");
        using var lockB = OutputFolderLock.AcquireForFile(Path.Combine(_dir.FullName, "eval", "b.jsonl"), "eval b");
        var e = Assert.Throws<OutputFolderInUseException>(() => OutputFolderLock.AcquireForFile(a, "eval a again"));
        Assert.Contains($"Output file {Path.GetFullPath(a)} is in use", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(a));
    }
}
