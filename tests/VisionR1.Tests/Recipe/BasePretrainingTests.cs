using VisionR1.Data.Records;
using System.Security.Cryptography;
using System.Text.Json;
using VisionR1.Data.Synthetic;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.Recipe;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Recipe;

/// <summary>Base pre-training as a library stage: its provenance, the held-out check, and starting from an existing base.</summary>
public sealed class BasePretrainingTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-base-");

    public void Dispose()
    {
        try { _dir.Delete(true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>A tiny world and model, a few steps in fp32 (the same on every CPU class's kernels as on another run of this one).</summary>
    internal static BasePretrainingOptions Tiny(long worldSeed = 0) => new()
    {
        World = new SyntheticWorldOptions { Seed = worldSeed, ImageSize = 56, Difficulty = SyntheticDifficulty.Easy },
        TrainItems = 24, TestItems = 8, Preset = "tiny", WorkedShare = 0.5, ArithmeticTexts = 4, DType = ScalarType.Float32,
        Sft = new SftOptions
        {
            Epochs = 1, LearningRate = 2e-3, MicroBatchSize = 8, GradientAccumulationSteps = 1, FreezeVisionTower = false, SaveEverySteps = 50, KeepLastCheckpoints = 1,
        },
        Caller = "the base pre-training tests",
    };

    private async Task<PretrainedBase> PretrainAsync(string name, BasePretrainingOptions options)
    {
        VisionR1Runtime.Initialize("cpu");
        return await BasePretraining.RunAsync(new StageRunner(Path.Combine(_dir.FullName, name)), options, new PlainProgress(TextWriter.Null));
    }

    [Fact]
    public async Task Pre_training_writes_a_base_with_its_tokenizer_and_a_provenance_of_the_world_the_mix_and_the_training()
    {
        var options = Tiny();
        var b = await PretrainAsync("pre", options);

        var run = Path.Combine(_dir.FullName, "pre");
        Assert.Equal(Path.Combine(run, RecipeStages.Base, RecipeStages.ModelFolder), b.ModelDirectory);
        foreach (var file in new[] { "config.json", "model.safetensors", "tokenizer.json", BaseProvenance.FileName })
            Assert.True(File.Exists(Path.Combine(b.ModelDirectory, file)), file);
        var p = BaseProvenance.Read(b.ModelDirectory);
        Assert.Equal(JsonSerializer.Serialize(p, BaseProvenance.Json), JsonSerializer.Serialize(b.Provenance, BaseProvenance.Json));
        Assert.Equal(SyntheticWorldGenerator.Version, p.GeneratorVersion);
        var trainFile = Path.Combine(run, RecipeStages.World, DataStages.WorldTrainFile);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(trainFile))), p.TrainSplitSha256);
        var mix = options.Mix().Samples(b.Train);
        Assert.Equal(BaseProvenance.MixSha256(mix), p.PretrainingMixSha256);
        Assert.Equal(mix.Count, p.PretrainingSamples);
        Assert.Equal(24 * 2 + 12 + 4, mix.Count); // captions and direct answers of 24 problems, 12 worked solutions, 4 arithmetic texts

        var losses = File.ReadLines(Path.Combine(run, RecipeStages.Base, "metrics.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("loss").GetDouble()).ToList();
        Assert.Equal(Math.Ceiling(mix.Count / 8.0), p.Steps);
        Assert.Equal(losses, p.FirstLosses);
        Assert.Equal(losses[^1], p.FinalLoss);
        Assert.Equal("fp32", p.Precision);
        Assert.Equal("the base pre-training tests", p.Caller);
        Assert.Equal(RepositoryCommit.Find(AppContext.BaseDirectory), p.Commit);
        Assert.Equal(options with { Sft = options.Sft with { Seed = 0 } }, p.Options with { World = p.Options.World with { Families = options.World.Families } });
        Assert.Equal(options.World.Families, p.Options.World.Families);
        Assert.Equal(8, b.Test.Count);

        // The file is what a reader of the base sees: the world's settings by name.
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(b.ModelDirectory, BaseProvenance.FileName)));
        var world = json.RootElement.GetProperty("options").GetProperty("world");
        Assert.Equal(0, world.GetProperty("seed").GetInt64());
        Assert.Equal(56, world.GetProperty("image_size").GetInt32());
        Assert.Equal(24, json.RootElement.GetProperty("options").GetProperty("train_items").GetInt32());
    }

    [Fact]
    public async Task Starting_from_a_base_trains_nothing_and_a_base_of_another_world_is_refused_with_what_to_do()
    {
        var b = await PretrainAsync("pre", Tiny());

        var run = new StageRunner(Path.Combine(_dir.FullName, "from"));
        var from = await BasePretraining.FromBaseAsync(run, Tiny() with { TestItems = 6 }, Path.Combine(_dir.FullName, "pre"), new PlainProgress(TextWriter.Null), "REMEDY");
        Assert.Equal(b.ModelDirectory, from.ModelDirectory);
        Assert.Equal(b.Train.Select(p => p.Id), from.Train.Select(p => p.Id));
        Assert.Equal(6, from.Test.Count);
        Assert.False(Directory.Exists(run.StageDirectory(RecipeStages.Tokenizer)));
        Assert.False(Directory.Exists(Path.Combine(run.StageDirectory(RecipeStages.Base), "checkpoints")));
        Assert.True(File.Exists(Path.Combine(run.StageDirectory(RecipeStages.Base), BaseProvenance.FileName)));
        // The same folder resumes from that base, and refuses to pre-train over it.
        await BasePretraining.FromBaseAsync(run, Tiny(), b.ModelDirectory, new PlainProgress(TextWriter.Null));
        await Assert.ThrowsAsync<BaseMismatchException>(() => BasePretraining.RunAsync(run, Tiny(), new PlainProgress(TextWriter.Null)));

        var other = await Assert.ThrowsAsync<BaseMismatchException>(() => BasePretraining.FromBaseAsync(new StageRunner(Path.Combine(_dir.FullName, "other")),
            Tiny(worldSeed: 1) with { TrainItems = 30 }, b.ModelDirectory, new PlainProgress(TextWriter.Null), "REMEDY"));
        Assert.Contains("WorldSeed: base 0, this run 1", other.Message, StringComparison.Ordinal);
        Assert.Contains("TrainItems: base 24, this run 30", other.Message, StringComparison.Ordinal);
        Assert.EndsWith("REMEDY", other.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir.FullName, "other", RecipeStages.World)), "nothing is rendered for a base of another world");
    }

    [Fact]
    public async Task Verify_accepts_the_bases_world_and_refuses_another_train_split_or_generator_version()
    {
        var b = await PretrainAsync("pre", Tiny());
        var trainFile = Path.Combine(_dir.FullName, "pre", RecipeStages.World, DataStages.WorldTrainFile);
        var check = BaseProvenance.Verify(b.ModelDirectory, trainFile);
        Assert.True(check.ImagesMatch);

        // Another world's train split (another seed) in the same layout.
        var otherWorld = await BasePretraining.WorldAsync(new StageRunner(Path.Combine(_dir.FullName, "w1")), Tiny(worldSeed: 1), new PlainProgress(TextWriter.Null));
        Assert.NotEmpty(otherWorld.Train);
        var otherFile = Path.Combine(_dir.FullName, "w1", RecipeStages.World, DataStages.WorldTrainFile);
        var e = Assert.Throws<BaseMismatchException>(() => BaseProvenance.Verify(b.ModelDirectory, otherFile, "Run with --pretrain."));
        Assert.Contains(b.Provenance!.TrainSplitSha256, e.Message, StringComparison.Ordinal);
        Assert.Contains("world seed 0, 24 items at 56 px", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("Run with --pretrain.", e.Message, StringComparison.Ordinal);

        // The same scenes drawn with other pixels pass, and say so.
        var image = Path.Combine(_dir.FullName, "pre", RecipeStages.World, JsonDocument.Parse(File.ReadLines(trainFile).First()).RootElement.GetProperty("images")[0].GetString()!);
        File.AppendAllText(image, " ");
        Assert.False(BaseProvenance.Verify(b.ModelDirectory, trainFile).ImagesMatch);

        // A base recorded by another generator version.
        (b.Provenance with { GeneratorVersion = SyntheticWorldGenerator.Version + 1 }).Write(b.ModelDirectory);
        var v = Assert.Throws<BaseMismatchException>(() => BaseProvenance.Verify(b.ModelDirectory, trainFile));
        Assert.Contains($"generator version {SyntheticWorldGenerator.Version + 1}", v.Message, StringComparison.Ordinal);
        Assert.EndsWith(BaseProvenance.DefaultRemedy, v.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_base_folder_without_provenance_is_refused_with_what_it_lacks()
    {
        var e = Assert.Throws<FileNotFoundException>(() => BaseProvenance.Read(_dir.FullName));
        Assert.Contains(BaseProvenance.FileName, e.Message, StringComparison.Ordinal);
        Assert.Throws<DirectoryNotFoundException>(() => BasePretraining.ModelFolderOf(_dir.FullName));
    }

    [Fact]
    public void The_held_out_check_finds_a_test_problem_in_the_mix_by_id_or_by_scene_and_question()
    {
        var world = new SyntheticWorldGenerator(new SyntheticWorldOptions { ImageSize = 56 });
        var train = world.Generate(SyntheticSplit.Train, 12).ToList();
        var test = world.Generate(SyntheticSplit.Test, 6).ToList();
        var mix = Tiny().Mix();
        BasePretraining.AssertHeldOut(mix.Samples(train), test);

        var byId = Assert.Throws<InvalidOperationException>(() => BasePretraining.AssertHeldOut(mix.Samples([.. train, test[2]]), test));
        Assert.Contains(test[2].Id, byId.Message, StringComparison.Ordinal);
        var renamed = test[4] with { Id = "world-train-s0-999999" };
        var byContent = Assert.Throws<InvalidOperationException>(() => BasePretraining.AssertHeldOut([ChatSample.Supervised(renamed, "Describe the image.", "x")], test));
        Assert.Contains(renamed.Id, byContent.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_commit_is_read_from_HEAD_a_branch_ref_packed_refs_or_a_worktree_without_git()
    {
        string sha1 = new('a', 40), sha2 = new('b', 40), sha3 = new('c', 40);
        var repo = Directory.CreateDirectory(Path.Combine(_dir.FullName, "repo", ".git")).FullName;
        var nested = Directory.CreateDirectory(Path.Combine(_dir.FullName, "repo", "src", "deep")).FullName;
        File.WriteAllText(Path.Combine(repo, "HEAD"), sha1 + "\n");
        Assert.Equal(sha1, RepositoryCommit.Find(nested));

        File.WriteAllText(Path.Combine(repo, "HEAD"), "ref: refs/heads/main\n");
        Assert.Null(RepositoryCommit.Find(nested));
        File.WriteAllText(Path.Combine(repo, "packed-refs"), $"# pack-refs with: peeled\n{sha2} refs/heads/main\n");
        Assert.Equal(sha2, RepositoryCommit.Find(nested));
        Directory.CreateDirectory(Path.Combine(repo, "refs", "heads"));
        File.WriteAllText(Path.Combine(repo, "refs", "heads", "main"), sha3 + "\n");
        Assert.Equal(sha3, RepositoryCommit.Find(nested));

        // A worktree: .git is a file naming its git folder, whose commondir holds the branch refs.
        var wtGit = Directory.CreateDirectory(Path.Combine(repo, "worktrees", "wt")).FullName;
        File.WriteAllText(Path.Combine(wtGit, "HEAD"), "ref: refs/heads/main\n");
        File.WriteAllText(Path.Combine(wtGit, "commondir"), "../..\n");
        var wt = Directory.CreateDirectory(Path.Combine(_dir.FullName, "wt")).FullName;
        File.WriteAllText(Path.Combine(wt, ".git"), "gitdir: " + wtGit + "\n");
        Assert.Equal(sha3, RepositoryCommit.Find(wt));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Pre_training_again_from_a_bases_provenance_reproduces_its_first_steps()
    {
        // The reference base is built here, then rebuilt from its provenance alone in another folder.
        var b = await PretrainAsync("reference", Tiny() with { TrainItems = 48, Sft = Tiny().Sft with { Epochs = 2 } });
        var expected = b.Provenance!.FirstLosses;
        Assert.True(expected.Count >= 8, $"{expected.Count} recorded steps");
        var rebuilt = await BasePretraining.FirstStepLossesAsync(b.ModelDirectory, 8, Path.Combine(_dir.FullName, "rebuild"), new PlainProgress(TextWriter.Null));
        Assert.Equal(expected.Take(8), rebuilt);
    }

    [Fact]
    public async Task A_qwen3_vl_base_is_pre_trained_as_one_recorded_so_and_only_a_run_of_that_family_starts_from_it()
    {
        var qwen3 = Tiny() with { Family = VisionR1.Model.QwenVLFamily.Qwen3VL };
        var b = await PretrainAsync("qwen3", qwen3);
        Assert.Equal(VisionR1.Model.QwenVLFamily.Qwen3VL, VisionR1.Model.QwenVLModel.FamilyOf(b.ModelDirectory));
        Assert.Equal(VisionR1.Model.QwenVLFamily.Qwen3VL, BaseProvenance.Read(b.ModelDirectory).Options.Family);
        Assert.Contains("\"family\": \"Qwen3VL\"", JsonSerializer.Serialize(qwen3, BaseProvenance.Json), StringComparison.Ordinal);
        Assert.DoesNotContain("family", JsonSerializer.Serialize(Tiny(), BaseProvenance.Json), StringComparison.Ordinal); // Qwen2.5-VL provenance as before

        var refused = await Assert.ThrowsAsync<BaseMismatchException>(() => BasePretraining.FromBaseAsync(new StageRunner(Path.Combine(_dir.FullName, "qwen25-run")),
            Tiny(), b.ModelDirectory, new PlainProgress(TextWriter.Null)));
        Assert.Contains("is a Qwen3-VL model", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Qwen2.5-VL base", refused.Message, StringComparison.Ordinal);
        var from = await BasePretraining.FromBaseAsync(new StageRunner(Path.Combine(_dir.FullName, "qwen3-run")), qwen3, b.ModelDirectory, new PlainProgress(TextWriter.Null));
        Assert.Equal(b.ModelDirectory, from.ModelDirectory);
    }
}
