using System.Text.Json.Nodes;
using TorchSharp;
using VisionR1.Grpo.Checkpoints;
using VisionR1.Grpo.Training;
using VisionR1.Model.Checkpoints;
using VisionR1.Model.Config;
using VisionR1.Runtime;
using VisionR1.Tests.Grpo.Fixtures;
using VisionR1.Tests.Model;
using static TorchSharp.torch;

namespace VisionR1.Tests.Reliability;

/// <summary>Damaged models are named before anything large is allocated, and training stops at the first non-finite number.</summary>
public sealed class ModelGuardTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-guard-");

    public void Dispose() => _dir.Delete(true);

    private string SavedTiny(string name)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir.FullName, name)).FullName;
        using var model = ModelTestData.Tiny(seed: 2);
        CheckpointSaver.Save(model, folder);
        return folder;
    }

    private static void EditConfig(string folder, Action<JsonObject> edit)
    {
        var path = Path.Combine(folder, "config.json");
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(root);
        File.WriteAllText(path, root.ToJsonString());
    }

    [Fact]
    public void Non_finite_weights_are_refused_at_load_with_the_tensor_named()
    {
        var folder = SavedTiny("nan");
        var file = Path.Combine(folder, CheckpointLoader.WeightsFile);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        string damaged;
        using (var reader = SafetensorsFile.Open(file))
        {
            foreach (var key in reader.Entries.Keys.Order(StringComparer.Ordinal)) tensors.Add(new(key, reader.Read(key)));
            damaged = tensors.First(t => t.Key.Contains("layers.1.mlp", StringComparison.Ordinal)).Key;
        }
        using (no_grad())
        using (var nan = tensor(new[] { float.NaN }))
            tensors.First(t => t.Key == damaged).Value.view(-1).narrow(0, 3, 1).copy_(nan);
        SafetensorsFile.Write(file, tensors);
        foreach (var t in tensors) t.Value.Dispose();

        var e = Assert.Throws<CheckpointException>(() => CheckpointLoader.Load(folder));
        Assert.Contains(damaged, e.Message, StringComparison.Ordinal);
        Assert.Contains("non-finite", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("num_hidden_layers", 1_000_000L, "num_hidden_layers")]
    [InlineData("vocab_size", 1_000_000_000L, "vocab_size")]
    [InlineData("hidden_size", 1_000_000_000L, "hidden_size")]
    public void Absurd_sizes_are_refused_by_field_before_allocation(string field, long value, string named)
    {
        var folder = SavedTiny("absurd-" + field);
        EditConfig(folder, root => root[field] = value);
        var e = Assert.ThrowsAny<Exception>(() => CheckpointLoader.Load(folder));
        Assert.True(e is ModelConfigException or CheckpointException, e.ToString());
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.Contains("config.json", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("num_hidden_layers", 1, "num_hidden_layers")]
    [InlineData("vocab_size", 7, "vocab_size")]
    public void A_config_that_disagrees_with_the_safetensors_headers_is_named_before_the_model_is_built(string field, int delta, string named)
    {
        var folder = SavedTiny("mismatch-" + field);
        EditConfig(folder, root => root[field] = root[field]!.GetValue<int>() + delta);
        var e = Assert.Throws<CheckpointException>(() => CheckpointLoader.Load(folder));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.Contains("config.json", e.Message, StringComparison.Ordinal);
        Assert.Contains(CheckpointLoader.WeightsFile, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sft_stops_at_the_first_non_finite_loss_and_keeps_the_last_good_checkpoint()
    {
        VisionR1Runtime.Initialize("cpu", threads: 1);
        using var policy = new TinyGruPolicy(3);
        var output = Path.Combine(_dir.FullName, "sft");
        using var sft = new SftTrainer<(string, string)>(policy, new SumSftCollator(), SumTask.CorrectSamples(),
            new SftOptions { Epochs = 50, LearningRate = 1e-2, MicroBatchSize = 2, GradientAccumulationSteps = 1, SaveEverySteps = 1, Seed = 3, OutputDirectory = output });
        sft.Train(2);
        var before = policy.Snapshot();
        using (no_grad())
        using (var nan = tensor(float.NaN))
            policy.Module.parameters().First().copy_(nan);
        var poisoned = policy.Snapshot();

        var e = Assert.Throws<NonFiniteTrainingException>(() => sft.Train(3));

        Assert.Equal(3, e.Step);
        Assert.Contains("sft step 3", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("step-00000002", e.LastGoodCheckpoint, StringComparison.Ordinal);
        Assert.Equal(2, new CheckpointStore(Path.Combine(output, "checkpoints")).Latest()!.Step);
        Assert.Equal(2, sft.Step);
        Assert.Equal(poisoned.Length, before.Length);
        // No update was applied: the weights that were not poisoned are unchanged.
        var untouched = policy.Module.parameters().First().numel();
        Assert.Equal(before[(int)untouched..], policy.Snapshot()[(int)untouched..]);
    }
}
