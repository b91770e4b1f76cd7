using System.Text.Json.Nodes;
using VisionR1.Model;
using VisionR1.Model.Checkpoints;
using VisionR1.Model.Qwen3VL;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model.Qwen3VL;

/// <summary><see cref="Qwen3VLModel.SavePretrained"/> against <see cref="Qwen3VLModel.FromPretrained"/> and the family dispatch.</summary>
public sealed class Qwen3VLSaveTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-q3save-");

    public void Dispose() => _dir.Delete(true);

    private string Folder(string name) => Path.Combine(_dir.FullName, name);

    private static void AssertSameWeights(QwenVLModel expected, QwenVLModel actual)
    {
        var a = expected.state_dict();
        var b = actual.state_dict();
        Assert.Equal(a.Keys.Order(StringComparer.Ordinal), b.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in a)
        {
            Assert.Equal(value.dtype, b[key].dtype);
            Assert.Equal(value.shape, b[key].shape);
            Assert.True(value.equal(b[key]).all().item<bool>(), $"{key} differs after the round trip");
        }
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, null)]
    [InlineData(false, 40_000L)]
    public void Save_then_load_is_exact_also_through_the_family_dispatch(bool tied, long? maxShardBytes)
    {
        using var model = Qwen3VLTestData.Model(tied, seed: 51);
        var dir = Folder($"round-{tied}-{maxShardBytes}");
        model.SavePretrained(dir, maxShardBytes: maxShardBytes);
        bool sharded = maxShardBytes is not null;
        Assert.Equal(!sharded, File.Exists(Path.Combine(dir, CheckpointLoader.WeightsFile)));
        Assert.Equal(sharded, File.Exists(Path.Combine(dir, CheckpointLoader.IndexFile)));
        if (sharded) Assert.True(Directory.GetFiles(dir, "model-*-of-*.safetensors").Length > 2);
        using (var file = sharded ? null : SafetensorsFile.Open(Path.Combine(dir, CheckpointLoader.WeightsFile)))
            if (file is not null) Assert.Equal(!tied, file.Entries.ContainsKey("lm_head.weight"));

        using var loaded = Qwen3VLModel.FromPretrained(dir);
        AssertSameWeights(model, loaded);
        Assert.Equal(model.Config.ToJson(), loaded.Config.ToJson());

        Assert.Equal(QwenVLFamily.Qwen3VL, QwenVLModel.FamilyOf(dir));
        using var dispatched = QwenVLModel.FromPretrained(dir);
        var q3 = Assert.IsType<Qwen3VLModel>(dispatched);
        AssertSameWeights(model, q3);

        // The loaded model computes what the saved one computed.
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 9, 3, 5, 5, 5, 5, 4, 10 }).view(1, 8);
        using var generator = new Generator(52);
        var pixels = randn([16, 1536], generator: generator);
        var grids = tensor(new long[] { 1, 4, 4 }).view(1, 3);
        using var a = model.Forward(ids, ones_like(ids), pixels, grids);
        using var b = dispatched.Forward(ids, ones_like(ids), pixels, grids);
        Assert.True(a.Logits!.equal(b.Logits!).all().item<bool>());
    }

    [Fact]
    public void A_bf16_save_writes_bf16_tensors_and_says_so_in_config_json()
    {
        using var model = Qwen3VLTestData.Model(false, seed: 53);
        var dir = Folder("bf16");
        model.SavePretrained(dir, ScalarType.BFloat16);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!;
        Assert.Equal("bfloat16", config["dtype"]!.GetValue<string>());
        Assert.Equal("qwen3_vl", config["model_type"]!.GetValue<string>());
        using var half = Qwen3VLModel.FromPretrained(dir, dtype: ScalarType.BFloat16);
        foreach (var (key, value) in model.state_dict())
        {
            using var expected = value.to_type(ScalarType.BFloat16);
            Assert.True(expected.equal(half.state_dict()[key]).all().item<bool>(), $"{key} is not the bf16 rounding of the original");
        }
    }

    [Fact]
    public void Config_json_round_trips_every_field_including_the_initializer_range()
    {
        var json = Qwen3VLTestData.Json().Replace("\"model_type\": \"qwen3_vl\",", "\"model_type\": \"qwen3_vl\", \"initializer_range\": 0.07,", StringComparison.Ordinal);
        var config = Qwen3VLConfig.Parse(json);
        Assert.Equal(0.07, config.InitializerRange);
        var again = Qwen3VLConfig.Parse(config.ToJson("bfloat16"));
        Assert.Equal(config.ToJson(), again.ToJson());
        Assert.Equal(config.Text with { MropeSection = again.Text.MropeSection }, again.Text);
        Assert.Equal([3, 3, 2], again.Text.MropeSection);
        Assert.Equal(config.Vision with { DeepstackVisualIndexes = again.Vision.DeepstackVisualIndexes }, again.Vision);
        Assert.Equal([0], again.Vision.DeepstackVisualIndexes);
        Assert.Equal(config.Tokens, again.Tokens);
        Assert.Equal(0.07, again.InitializerRange);
        // Without a top-level field, transformers (and this parser) take text_config's.
        Assert.Equal(0.03, Qwen3VLConfig.Parse(Qwen3VLTestData.Json().Replace("\"vocab_size\": 64,", "\"vocab_size\": 64, \"initializer_range\": 0.03,", StringComparison.Ordinal)).InitializerRange);
        Assert.Equal(0.02, Qwen3VLConfig.Parse(Qwen3VLTestData.Json()).InitializerRange);
    }

    [Fact]
    public void A_model_on_the_meta_device_is_not_saved()
    {
        using var meta = new Qwen3VLModel(Qwen3VLConfig.Parse(Qwen3VLTestData.Json()), META);
        Assert.Throws<ArgumentException>(() => meta.SavePretrained(Folder("meta")));
        meta.InitializeWeights(1); // a no-op there
        using var copy = meta.CreateUninitialised(CPU);
        Assert.IsType<Qwen3VLModel>(copy);
        Assert.Equal(TorchSharp.DeviceType.CPU, copy.Device.type);
    }
}
