using VisionR1.Grpo.Checkpoints;

namespace VisionR1.Tests.Grpo;

public sealed class CheckpointStoreTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-ckpt-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static void Write(string dir, string text) => File.WriteAllText(Path.Combine(dir, "payload.txt"), text);

    [Fact]
    public void Latest_is_the_newest_complete_checkpoint_and_old_ones_are_pruned()
    {
        var store = new CheckpointStore(_dir.FullName, keepLast: 2);
        for (int step = 1; step <= 4; step++) store.Save(step, d => Write(d, $"s{step}"));
        Assert.Equal([3L, 4L], store.List().Select(c => c.Step));
        var latest = store.Latest()!;
        Assert.Equal(4, latest.Step);
        Assert.Equal("s4", File.ReadAllText(Path.Combine(latest.Directory, "payload.txt")));
    }

    [Fact]
    public void A_write_that_fails_midway_leaves_the_previous_checkpoint_and_no_temp_folder()
    {
        var store = new CheckpointStore(_dir.FullName);
        store.Save(1, d => Write(d, "good"));
        Assert.Throws<IOException>(() => store.Save(2, d =>
        {
            Write(d, "half");
            throw new IOException("crash");
        }));
        Assert.Equal(1, store.Latest()!.Step);
        Assert.Empty(Directory.GetDirectories(_dir.FullName, ".tmp-*"));
    }

    [Fact]
    public void Leftovers_of_a_killed_process_are_never_picked()
    {
        var store = new CheckpointStore(_dir.FullName);
        store.Save(1, d => Write(d, "good"));
        // A temp folder (killed before the rename), a step folder without manifest, and one whose file was cut short.
        var temp = Directory.CreateDirectory(Path.Combine(_dir.FullName, ".tmp-step-00000002-abc"));
        Write(temp.FullName, "partial");
        var noManifest = Directory.CreateDirectory(Path.Combine(_dir.FullName, "step-00000003"));
        Write(noManifest.FullName, "partial");
        store.Save(4, d => Write(d, "complete"));
        File.WriteAllText(Path.Combine(_dir.FullName, "step-00000004", "payload.txt"), "cut");
        Assert.Equal(1, store.Latest()!.Step);
        Assert.Equal([1L], store.List().Select(c => c.Step));
    }

    [Fact]
    public void Saving_the_same_step_again_replaces_it()
    {
        var store = new CheckpointStore(_dir.FullName);
        store.Save(5, d => Write(d, "first"));
        store.Save(5, d => Write(d, "second"));
        Assert.Equal("second", File.ReadAllText(Path.Combine(store.Latest()!.Directory, "payload.txt")));
        Assert.Single(store.List());
    }

    [Fact]
    public void Pruning_never_removes_the_checkpoint_this_store_last_wrote()
    {
        var other = new CheckpointStore(_dir.FullName, keepLast: 3);
        other.Save(5, d => Write(d, "five"));
        other.Save(6, d => Write(d, "six"));
        var store = new CheckpointStore(_dir.FullName, keepLast: 2);
        store.Save(1, d => Write(d, "one"));
        Assert.Contains(1L, store.List().Select(c => c.Step));
        Assert.Equal(2, store.List().Count);
    }

    [Fact]
    public void Prune_and_leftover_sweep_never_delete_a_step_folder_that_does_not_verify()
    {
        var store = new CheckpointStore(_dir.FullName, keepLast: 1);
        store.Save(1, d => Write(d, "one"));
        File.Delete(Path.Combine(_dir.FullName, "step-00000001", CheckpointStore.ManifestFileName));
        store.RemoveLeftovers();
        store.Save(2, d => Write(d, "two"));
        store.Save(3, d => Write(d, "three"));
        Assert.True(Directory.Exists(Path.Combine(_dir.FullName, "step-00000001")));
        Assert.Equal([3L], store.List().Select(c => c.Step));
    }

    [Fact]
    public void Resume_loads_the_newest_verified_checkpoint_and_hands_back_its_facts()
    {
        var store = new CheckpointStore(_dir.FullName);
        store.Save(4, d => Write(d, "four"), new Dictionary<string, string> { ["data_position"] = "8" });
        var resumed = store.Resume(ResumeMode.Latest, c => File.ReadAllText(Path.Combine(c.Directory, "payload.txt")))!;
        Assert.Equal(4, resumed.Checkpoint.Step);
        Assert.Equal("four", resumed.Value);
        Assert.Equal("8", resumed.Checkpoint.Facts["data_position"]);
        Assert.Empty(resumed.SetAside);
        Assert.Null(new CheckpointStore(Path.Combine(_dir.FullName, "empty")).Resume(ResumeMode.Latest, c => 0));
    }
}
