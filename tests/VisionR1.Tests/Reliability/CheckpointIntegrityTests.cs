using System.Security.Cryptography;
using System.Text.Json.Nodes;
using VisionR1.Grpo.Checkpoints;
using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Training;
using VisionR1.Runtime;
using VisionR1.Tests.Grpo.Fixtures;

namespace VisionR1.Tests.Reliability;

/// <summary>
/// Checkpoints prove their integrity before a resume: a truncated, bit-flipped, edited or incomplete checkpoint is named
/// (file, expected, found), never deleted, and only moved aside when a resume asks for the newest good one.
/// </summary>
public sealed class CheckpointIntegrityTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-integrity-");

    public void Dispose() => _dir.Delete(true);

    private string Output => Path.Combine(_dir.FullName, "sft");

    private string Checkpoints => Path.Combine(Output, "checkpoints");

    private string StepDir(long step) => Path.Combine(Checkpoints, $"step-{step:D8}");

    private SftTrainer<(string, string)> Trainer(TinyGruPolicy policy) =>
        new(policy, new SumSftCollator(), SumTask.CorrectSamples(),
            new SftOptions { Epochs = 50, LearningRate = 1e-2, MicroBatchSize = 2, GradientAccumulationSteps = 1, SaveEverySteps = 1, KeepLastCheckpoints = 3, Seed = 3, OutputDirectory = Output });

    /// <summary>Trains <paramref name="steps"/> steps with a checkpoint after each (the newest three are kept).</summary>
    private void TrainSteps(int steps)
    {
        VisionR1Runtime.Initialize("cpu", threads: 1);
        using var policy = new TinyGruPolicy(3);
        using var sft = Trainer(policy);
        sft.Train(steps);
    }

    private (CheckpointInfo? From, InMemoryMetricsSink Events) Resume(ResumeMode mode)
    {
        using var policy = new TinyGruPolicy(3);
        using var sft = Trainer(policy);
        var events = new InMemoryMetricsSink();
        sft.Metrics = events;
        return (sft.TryResume(mode), events);
    }

    private static void Truncate(string file) => File.WriteAllBytes(file, File.ReadAllBytes(file)[..^7]);

    private static void FlipBit(string file, double at)
    {
        var bytes = File.ReadAllBytes(file);
        int i = (int)(bytes.Length * at);
        bytes[i] ^= 0x10;
        File.WriteAllBytes(file, bytes);
    }

    private static string ModelFile(string dir) => Directory.GetFiles(Path.Combine(dir, CheckpointFiles.ModelDirectoryName)).OrderByDescending(f => new FileInfo(f).Length).First();

    [Fact]
    public void A_fresh_checkpoint_verifies_and_lists_a_sha256_for_every_file()
    {
        TrainSteps(1);
        Assert.Empty(CheckpointStore.Verify(StepDir(1)));
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(StepDir(1), CheckpointStore.ManifestFileName)))!;
        var files = manifest["files"]!.AsArray();
        Assert.Contains(files, f => (string)f!["path"]! == CheckpointFiles.OptimizerFileName);
        Assert.Contains(files, f => (string)f!["path"]! == CheckpointFiles.TorchRngFileName);
        foreach (var f in files)
        {
            var path = Path.Combine(StepDir(1), (string)f!["path"]!);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), (string)f["sha256"]!);
        }
    }

    [Theory]
    [InlineData(CheckpointFiles.OptimizerFileName)]
    [InlineData(CheckpointFiles.TorchRngFileName)]
    [InlineData(CheckpointFiles.StateFileName)]
    [InlineData("model")]
    public void A_truncated_file_stops_the_resume_by_name_and_nothing_is_deleted(string which)
    {
        TrainSteps(3);
        var file = which == "model" ? ModelFile(StepDir(3)) : Path.Combine(StepDir(3), which);
        Truncate(file);

        var e = Assert.Throws<CheckpointDamagedException>(() => Resume(ResumeMode.Latest));

        var name = Path.GetRelativePath(StepDir(3), file).Replace('\\', '/');
        Assert.Contains($"{name}: size differs", e.Message, StringComparison.Ordinal);
        Assert.Contains("step-00000003", e.Message, StringComparison.Ordinal);
        Assert.Contains("--resume latest-good", e.Message, StringComparison.Ordinal);
        Assert.Equal(StepDir(3), e.Directory);
        // Nothing moved, nothing deleted.
        Assert.True(File.Exists(file));
        Assert.Equal([1L, 2L, 3L], Directory.GetDirectories(Checkpoints).Select(Path.GetFileName).Order().Select(n => long.Parse(n!["step-".Length..])));
    }

    [Theory]
    [InlineData(CheckpointFiles.OptimizerFileName)]
    [InlineData(CheckpointFiles.TorchRngFileName)]
    [InlineData("model")]
    public void One_bit_flipped_in_the_data_is_found_by_its_hash(string which)
    {
        TrainSteps(2);
        var file = which == "model" ? ModelFile(StepDir(2)) : Path.Combine(StepDir(2), which);
        long size = new FileInfo(file).Length;
        FlipBit(file, 0.9); // in the data section, past any header

        var e = Assert.Throws<CheckpointDamagedException>(() => Resume(ResumeMode.Latest));

        Assert.Equal(size, new FileInfo(file).Length);
        var damage = Assert.Single(e.Damage);
        Assert.Equal("SHA-256 differs", damage.Problem);
        Assert.Equal(Path.GetRelativePath(StepDir(2), file).Replace('\\', '/'), damage.File);
        Assert.NotEqual(damage.Expected, damage.Found);
        Assert.Contains($"expected {damage.Expected}, found {damage.Found}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_same_size_edit_of_the_step_is_refused()
    {
        TrainSteps(2);
        var state = Path.Combine(StepDir(2), CheckpointFiles.StateFileName);
        var text = File.ReadAllText(state);
        Assert.Contains("\"step\": 2", text, StringComparison.Ordinal);
        File.WriteAllText(state, text.Replace("\"step\": 2", "\"step\": 9", StringComparison.Ordinal));

        var e = Assert.Throws<CheckpointDamagedException>(() => Resume(ResumeMode.Latest));
        Assert.Contains($"{CheckpointFiles.StateFileName}: SHA-256 differs", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_step_edited_with_the_manifest_rehashed_is_caught_by_the_cross_check()
    {
        TrainSteps(2);
        var dir = StepDir(2);
        var state = Path.Combine(dir, CheckpointFiles.StateFileName);
        File.WriteAllText(state, File.ReadAllText(state).Replace("\"step\": 2", "\"step\": 9", StringComparison.Ordinal).Replace("\"position\": 4", "\"position\": 6", StringComparison.Ordinal));
        // Forge the manifest so that the hashes agree: only the cross-check between the files can tell.
        var manifestPath = Path.Combine(dir, CheckpointStore.ManifestFileName);
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        var entry = manifest["files"]!.AsArray().Single(f => (string)f!["path"]! == CheckpointFiles.StateFileName)!;
        entry["sha256"] = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(state)));
        entry["size"] = new FileInfo(state).Length;
        File.WriteAllText(manifestPath, manifest.ToJsonString());

        var e = Assert.Throws<CheckpointDamagedException>(() => Resume(ResumeMode.Latest));

        Assert.Contains(e.Damage, d => d.File == CheckpointFiles.StateFileName && d.Problem.Contains("\"step\"", StringComparison.Ordinal) && d.Expected == "2" && d.Found == "9");
        Assert.Contains(e.Damage, d => d.Problem.Contains("data position", StringComparison.Ordinal) && d.Expected == "4" && d.Found == "6");
    }

    [Fact]
    public void A_missing_manifest_is_named_and_the_folder_kept()
    {
        TrainSteps(2);
        File.Delete(Path.Combine(StepDir(2), CheckpointStore.ManifestFileName));
        // A new trainer sweeps leftovers of killed runs: a step folder without its manifest is not one of them.
        var e = Assert.Throws<CheckpointDamagedException>(() => Resume(ResumeMode.Latest));
        Assert.Contains($"{CheckpointStore.ManifestFileName}: missing", e.Message, StringComparison.Ordinal);
        Assert.True(Directory.Exists(StepDir(2)));
    }

    [Fact]
    public void Latest_good_moves_the_damaged_one_aside_and_resumes_from_the_newest_that_verifies()
    {
        TrainSteps(3);
        Truncate(Path.Combine(StepDir(3), CheckpointFiles.OptimizerFileName));

        var (from, events) = Resume(ResumeMode.LatestGood);

        Assert.Equal(2, from!.Step);
        Assert.False(Directory.Exists(StepDir(3)));
        Assert.True(File.Exists(Path.Combine(StepDir(3) + CheckpointStore.DamagedSuffix, CheckpointFiles.OptimizerFileName)));
        var reported = Assert.Single(events.Events, e => e.Kind == "checkpoint-damaged");
        Assert.Contains("optimizer.safetensors: size differs", reported.Message, StringComparison.Ordinal);
        Assert.Contains("step-00000003.damaged", reported.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void When_every_checkpoint_is_damaged_latest_good_stops_and_keeps_them_all()
    {
        TrainSteps(4);
        foreach (var step in new[] { 2L, 3L, 4L }) Truncate(Path.Combine(StepDir(step), CheckpointFiles.OptimizerFileName));

        Assert.Throws<CheckpointDamagedException>(() => Resume(ResumeMode.Latest));
        Assert.Equal(3, Directory.GetDirectories(Checkpoints, "step-????????").Length);

        var e = Assert.Throws<CheckpointDamagedException>(() => Resume(ResumeMode.LatestGood));
        Assert.Contains("No checkpoint verifies", e.Message, StringComparison.Ordinal);
        Assert.Contains("step-00000002/optimizer.safetensors: size differs", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, Directory.GetDirectories(Checkpoints, "step-*.damaged").Length);
        Assert.Empty(Directory.GetDirectories(Checkpoints, "step-????????"));
    }

    [Fact]
    public void A_resumed_run_continues_bit_exactly_after_a_damaged_newest_checkpoint()
    {
        // Continuous: 4 steps. Interrupted: 3 steps, the third checkpoint damaged, resume from 2, train 2 more.
        VisionR1Runtime.Initialize("cpu", threads: 1);
        float[] continuous;
        using (var policy = new TinyGruPolicy(3))
        using (var sft = new SftTrainer<(string, string)>(policy, new SumSftCollator(), SumTask.CorrectSamples(),
            new SftOptions { Epochs = 50, LearningRate = 1e-2, MicroBatchSize = 2, GradientAccumulationSteps = 1, Seed = 3 }))
        {
            sft.Train(4);
            continuous = policy.Snapshot();
        }
        TrainSteps(3);
        FlipBit(Path.Combine(StepDir(3), CheckpointFiles.OptimizerFileName), 0.95);
        using (var policy = new TinyGruPolicy(3))
        using (var sft = Trainer(policy))
        {
            Assert.Equal(2, sft.TryResume(ResumeMode.LatestGood)!.Step);
            sft.Train(2);
            Assert.Equal(continuous, policy.Snapshot());
        }
    }
}
