using VisionR1.IO;

namespace VisionR1.Tests.Runtime;

public sealed class AtomicFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-atomic-");

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public async Task Writes_replace_the_target_whole_and_leave_no_temporary_files()
    {
        var path = Path.Combine(_dir.FullName, "sub", "a.txt");
        AtomicFile.WriteAllText(path, "first é");
        Assert.Equal("first é", File.ReadAllText(path));
        Assert.Equal((byte)'f', File.ReadAllBytes(path)[0]); // no byte-order mark
        AtomicFile.WriteAllLines(path, ["x", "y"]);
        Assert.Equal("x\ny\n", File.ReadAllText(path));
        await AtomicFile.WriteAsync(path, (s, ct) => s.WriteAsync(new byte[] { 1, 2, 3 }, ct).AsTask());
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal(["a.txt"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_failing_write_keeps_the_old_content_and_removes_its_temporary()
    {
        var path = Path.Combine(_dir.FullName, "b.json");
        AtomicFile.WriteAllText(path, "old");
        var e = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write([1, 2, 3, 4]);
            throw new InvalidOperationException("disk full");
        }));
        Assert.Equal("disk full", e.Message);
        await Assert.ThrowsAsync<OperationCanceledException>(() => AtomicFile.WriteAsync(path, async (s, ct) =>
        {
            await s.WriteAsync(new byte[] { 9 }, ct);
            throw new OperationCanceledException();
        }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["b.json"], Directory.GetFiles(_dir.FullName).Select(Path.GetFileName));
    }
}
