using System.Text;
using System.Text.Json;
using VisionR1.Model;
using VisionR1.Model.Checkpoints;
using VisionR1.Model.Config;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

public sealed class CheckpointTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-ckpt-");

    public void Dispose() => _dir.Delete(true);

    private string Sub(string name) => Directory.CreateDirectory(Path.Combine(_dir.FullName, name)).FullName;

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.allclose(b, 0, 0);

    private static void AssertSameWeights(Qwen25VLModel a, Qwen25VLModel b)
    {
        var sa = a.state_dict();
        var sb = b.state_dict();
        Assert.Equal(sa.Keys.OrderBy(k => k, StringComparer.Ordinal), sb.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (k, t) in sa)
            Assert.True(Same(t, sb[k]), $"{k} differs after the round trip");
    }

    [Fact]
    public void Save_then_load_is_exact_for_single_file_and_shards()
    {
        using var model = ModelTestData.Tiny(seed: 4);
        var single = Sub("single");
        CheckpointSaver.Save(model, single);
        Assert.True(File.Exists(Path.Combine(single, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(single, "config.json")));
        using (var loaded = CheckpointLoader.Load(single)) AssertSameWeights(model, loaded);

        var sharded = Sub("sharded");
        CheckpointSaver.Save(model, sharded, maxShardBytes: 200_000);
        var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(sharded, "model.safetensors.index.json")));
        var files = index.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Value.GetString()).Distinct().ToList();
        Assert.True(files.Count > 1);
        Assert.All(files, f => Assert.Matches(@"^model-\d{5}-of-\d{5}\.safetensors$", f!));
        Assert.Equal(model.ParameterCount * 4, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        using (var loaded = CheckpointLoader.Load(sharded)) AssertSameWeights(model, loaded);
    }

    [Fact]
    public void Saving_again_into_a_folder_removes_the_weight_files_the_new_layout_does_not_name()
    {
        using var model = ModelTestData.Tiny(seed: 6);
        var dir = Sub("resaved");
        string[] Shards() => Directory.GetFiles(dir, "model-*.safetensors").Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();
        string[] Indexed()
        {
            using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, CheckpointLoader.IndexFile)));
            return index.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Value.GetString()!).Distinct().Order(StringComparer.Ordinal).ToArray();
        }

        CheckpointSaver.Save(model, dir, maxShardBytes: 100_000);
        var many = Shards();
        Assert.Equal(Indexed(), many);
        CheckpointSaver.Save(model, dir, maxShardBytes: 400_000);
        var fewer = Shards();
        Assert.True(fewer.Length < many.Length, $"{fewer.Length} shards after {many.Length}");
        Assert.Equal(Indexed(), fewer);
        File.WriteAllText(Path.Combine(dir, "model-notes.safetensors"), "not a shard name; kept");

        CheckpointSaver.Save(model, dir);
        Assert.Equal(["model-notes.safetensors"], Shards());
        Assert.False(File.Exists(Path.Combine(dir, CheckpointLoader.IndexFile)));
        Assert.True(File.Exists(Path.Combine(dir, CheckpointLoader.WeightsFile)));
        using (var loaded = CheckpointLoader.Load(dir)) AssertSameWeights(model, loaded);

        CheckpointSaver.Save(model, dir, maxShardBytes: 400_000);
        Assert.False(File.Exists(Path.Combine(dir, CheckpointLoader.WeightsFile)));
        using (var loaded = CheckpointLoader.Load(dir)) AssertSameWeights(model, loaded);
    }

    [Fact]
    public void Tied_model_saves_no_lm_head_and_untied_model_round_trips_it()
    {
        using var tied = ModelTestData.Tiny();
        var a = Sub("tied");
        CheckpointSaver.Save(tied, a);
        using (var f = SafetensorsFile.Open(Path.Combine(a, "model.safetensors")))
            Assert.DoesNotContain("lm_head.weight", f.Entries.Keys);

        var untiedConfig = Qwen25VLPresets.Tiny with { Text = Qwen25VLPresets.Tiny.Text with { TieWordEmbeddings = false } };
        using var untied = new Qwen25VLModel(untiedConfig);
        untied.InitializeWeights(3);
        var b = Sub("untied");
        CheckpointSaver.Save(untied, b);
        using var loaded = CheckpointLoader.Load(b);
        Assert.False(loaded.Config.Text.TieWordEmbeddings);
        AssertSameWeights(untied, loaded);
        Assert.False(Same(loaded.LmHeadWeight, loaded.state_dict()["model.embed_tokens.weight"]));
    }

    [Fact]
    public void Module_key_scheme_of_a_raw_state_dict_and_bf16_files_load()
    {
        using var model = ModelTestData.Tiny(seed: 6);
        var dir = Sub("renamed");
        model.Config.Save(dir);
        var renamed = model.state_dict().Select(kv => new KeyValuePair<string, Tensor>(
            kv.Key.StartsWith("visual.", StringComparison.Ordinal) ? "model." + kv.Key : "model.language_model." + kv.Key["model.".Length..],
            kv.Value.to_type(ScalarType.BFloat16)));
        SafetensorsFile.Write(Path.Combine(dir, "model.safetensors"), renamed);
        using var loaded = CheckpointLoader.Load(dir);
        foreach (var (k, t) in model.state_dict())
            Assert.True(Same(t.to_type(ScalarType.BFloat16).to_type(ScalarType.Float32), loaded.state_dict()[k]), $"{k} differs");
        using var bf16 = CheckpointLoader.Load(dir, CPU, ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, bf16.LmHeadWeight.dtype);
    }

    [Fact]
    public void Missing_unexpected_and_misshaped_tensors_are_named()
    {
        using var model = ModelTestData.Tiny();
        var state = model.state_dict().ToList();

        var missing = Sub("missing");
        model.Config.Save(missing);
        SafetensorsFile.Write(Path.Combine(missing, "model.safetensors"), state.Where(kv => kv.Key != "model.norm.weight"));
        Assert.Contains("model.norm.weight", Assert.Throws<CheckpointException>(() => CheckpointLoader.Load(missing)).Message);

        var extra = Sub("extra");
        model.Config.Save(extra);
        using var stray = zeros(3);
        SafetensorsFile.Write(Path.Combine(extra, "model.safetensors"), state.Append(new("model.layers.9.mlp.up_proj.weight", stray)));
        Assert.Contains("model.layers.9.mlp.up_proj.weight", Assert.Throws<CheckpointException>(() => CheckpointLoader.Load(extra)).Message);

        var shaped = Sub("shaped");
        model.Config.Save(shaped);
        using var wrong = zeros(65);
        SafetensorsFile.Write(Path.Combine(shaped, "model.safetensors"), state.Select(kv => kv.Key == "model.norm.weight" ? new KeyValuePair<string, Tensor>(kv.Key, wrong) : kv));
        var e = Assert.Throws<CheckpointException>(() => CheckpointLoader.Load(shaped));
        Assert.Contains("model.norm.weight", e.Message);
        Assert.Contains("[65]", e.Message);
    }

    private string WriteRaw(string name, ulong headerLength, string header, int dataBytes)
    {
        var path = Path.Combine(_dir.FullName, name);
        using var fs = File.Create(path);
        fs.Write(BitConverter.GetBytes(headerLength));
        fs.Write(Encoding.UTF8.GetBytes(header));
        fs.Write(new byte[dataBytes]);
        return path;
    }

    [Theory]
    [InlineData("huge-header", ulong.MaxValue, "{}", 0, "header length")]
    [InlineData("header-past-end", 4096UL, "{}", 0, "header length")]
    [InlineData("past-end", 0UL, """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8, "past the end")]
    [InlineData("unknown-dtype", 0UL, """{"w":{"dtype":"F8_E5M2","shape":[4],"data_offsets":[0,4]}}""", 4, "unsupported dtype")]
    [InlineData("size-mismatch", 0UL, """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}}""", 8, "needs 16")]
    [InlineData("overflow", 0UL, """{"w":{"dtype":"F32","shape":[4611686018427387904,4611686018427387904],"data_offsets":[0,8]}}""", 8, "overflow")]
    [InlineData("negative", 0UL, """{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4, "invalid dimension")]
    [InlineData("not-json", 0UL, "{not json", 0, "not valid JSON")]
    [InlineData("overlap", 0UL, """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12, "overlap")]
    public void Crafted_safetensors_fail_with_a_clear_error(string name, ulong headerLength, string header, int dataBytes, string expected)
    {
        var path = WriteRaw(name, headerLength == 0 ? (ulong)Encoding.UTF8.GetByteCount(header) : headerLength, header, dataBytes);
        var e = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains(expected, e.Message);
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void Read_into_fills_a_tensor_of_the_stored_dtype_in_place_and_refuses_any_other()
    {
        using var model = ModelTestData.Tiny();
        var dir = Sub("read-into");
        CheckpointSaver.Save(model, dir);
        using var file = SafetensorsFile.Open(Path.Combine(dir, CheckpointLoader.WeightsFile));
        var key = file.Entries.Keys.First(k => k.Contains("mlp.up_proj.weight", StringComparison.Ordinal));
        using var expected = file.Read(key);
        using var target = zeros(expected.shape, expected.dtype);
        file.ReadInto(key, target);
        Assert.True(Same(expected, target));

        using var wrongType = zeros(expected.shape, ScalarType.BFloat16);
        Assert.Throws<ArgumentException>(() => file.ReadInto(key, wrongType));
        using var wrongSize = zeros([expected.numel() - 1], expected.dtype);
        Assert.Throws<ArgumentException>(() => file.ReadInto(key, wrongSize));
        using var strided = zeros([expected.shape[1], expected.shape[0]], expected.dtype);
        using var transposed = strided.t();
        Assert.Throws<ArgumentException>(() => file.ReadInto(key, transposed));
    }

    [Fact]
    public void Truncated_checkpoint_is_reported_not_crashed()
    {
        using var model = ModelTestData.Tiny();
        var dir = Sub("truncated");
        CheckpointSaver.Save(model, dir);
        var path = Path.Combine(dir, "model.safetensors");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var e = Assert.Throws<CheckpointException>(() => CheckpointLoader.Load(dir));
        Assert.Contains("past the end", e.Message);
    }

    [Fact]
    public void Safetensors_written_here_read_back_with_pybridge()
    {
        using var model = ModelTestData.Tiny();
        var dir = Sub("pybridge");
        CheckpointSaver.Save(model, dir);
        var raw = TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(dir, "model.safetensors"));
        foreach (var (k, t) in model.state_dict()) Assert.True(Same(t, raw[k]), $"{k} differs when read by TorchSharp.PyBridge");
    }

    [Fact]
    public void Sharded_index_errors_name_the_file_and_key()
    {
        using var model = ModelTestData.Tiny();
        var dir = Sub("badindex");
        CheckpointSaver.Save(model, dir, maxShardBytes: 200_000);
        var indexPath = Path.Combine(dir, "model.safetensors.index.json");
        var original = File.ReadAllText(indexPath);
        void Rewrite(string key, Func<string, string> file)
        {
            var root = System.Text.Json.Nodes.JsonNode.Parse(original)!;
            var map = root["weight_map"]!;
            map[key] = file(map[key]!.GetValue<string>());
            File.WriteAllText(indexPath, root.ToJsonString());
        }

        Rewrite("model.norm.weight", _ => "model-00009-of-00009.safetensors");
        Assert.Contains("model-00009-of-00009.safetensors", Assert.Throws<CheckpointException>(() => CheckpointLoader.Load(dir)).Message);

        var shards = System.Text.Json.JsonDocument.Parse(original).RootElement.GetProperty("weight_map").EnumerateObject()
            .Select(p => p.Value.GetString()!).Distinct().ToList();
        Rewrite("model.norm.weight", f => shards.First(s => s != f)); // the index points at a shard that lacks the key
        var wrongFile = Assert.Throws<CheckpointException>(() => CheckpointLoader.Load(dir));
        Assert.Contains("model.norm.weight", wrongFile.Message);

        Rewrite("model.norm.weight", f => "../" + f);
        Assert.Contains("not a plain file name", Assert.Throws<CheckpointException>(() => CheckpointLoader.Load(dir)).Message);
    }

    [Theory]
    [InlineData("visual.blocks.0.attn.qkv.weight", "visual.blocks.0.attn.qkv.weight")]
    [InlineData("model.visual.merger.mlp.0.bias", "visual.merger.mlp.0.bias")]
    [InlineData("model.language_model.layers.3.mlp.up_proj.weight", "model.layers.3.mlp.up_proj.weight")]
    [InlineData("model.embed_tokens.weight", "model.embed_tokens.weight")]
    [InlineData("lm_head.weight", "lm_head.weight")]
    public void Both_key_schemes_map_to_hub_names(string key, string hub) => Assert.Equal(hub, HfWeightNames.ToHub(key));
}
