using System.Text.Json;
using VisionR1.Model.Checkpoints;
using VisionR1.Model.Qwen3VL;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model.Qwen3VL;

public sealed class Qwen3VLCheckpointTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-q3ckpt-");

    public void Dispose() => _dir.Delete(true);

    /// <summary>Writes the model's tensors under their own names (the Hub keys) with the library's writer, in <paramref name="shards"/> files.</summary>
    private string Write(string name, Qwen3VLModel model, int shards, Func<IEnumerable<KeyValuePair<string, Tensor>>, IEnumerable<KeyValuePair<string, Tensor>>>? edit = null, bool tied = false)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_dir.FullName, name)).FullName;
        File.WriteAllText(Path.Combine(dir, "config.json"), Qwen3VLTestData.Json(tied));
        var state = model.state_dict().OrderBy(kv => kv.Key, StringComparer.Ordinal).AsEnumerable();
        var tensors = (edit?.Invoke(state) ?? state).ToList();
        if (shards == 1)
        {
            SafetensorsFile.Write(Path.Combine(dir, "model.safetensors"), tensors);
            return dir;
        }
        var map = new Dictionary<string, string>();
        for (int s = 0; s < shards; s++)
        {
            var file = $"model-{s + 1:D5}-of-{shards:D5}.safetensors";
            var part = tensors.Where((_, i) => i % shards == s).ToList();
            SafetensorsFile.Write(Path.Combine(dir, file), part);
            foreach (var kv in part) map[kv.Key] = file;
        }
        File.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"), JsonSerializer.Serialize(new { metadata = new { total_size = 0 }, weight_map = map }));
        return dir;
    }

    private static void AssertSameWeights(Qwen3VLModel expected, Qwen3VLModel actual)
    {
        var a = expected.state_dict();
        var b = actual.state_dict();
        Assert.Equal(a.Keys.Order(StringComparer.Ordinal), b.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, value) in a) Assert.True(value.allclose(b[key], 0, 0), $"{key} differs after loading");
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 3)]
    [InlineData(true, 1)]
    public void A_hub_folder_written_with_the_safetensors_writer_loads_back_equal(bool tied, int shards)
    {
        using var model = Qwen3VLTestData.Model(tied, 7);
        Assert.Equal(!tied, model.state_dict().ContainsKey("lm_head.weight"));
        var dir = Write($"round-{tied}-{shards}", model, shards, tied: tied);
        using var loaded = Qwen3VLModel.FromPretrained(dir);
        AssertSameWeights(model, loaded);

        // And the loaded model computes what the original computes.
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 9, 3, 5, 4, 10, 11, 12, 13 }).view(2, 4);
        var mask = ones_like(ids);
        using var generator = new TorchSharp.torch.Generator(3);
        var pixels = randn(4, 1536, generator: generator);
        var grid = tensor(new long[] { 1, 2, 2 }).view(1, 3);
        using var a = model.Forward(ids, mask, pixels, grid);
        using var b = loaded.Forward(ids, mask, pixels, grid);
        Assert.True(a.Logits!.allclose(b.Logits!, 0, 0));
    }

    [Fact]
    public void A_bf16_load_of_the_same_folder_stays_close_to_fp32()
    {
        using var model = Qwen3VLTestData.Model(false, 11);
        var dir = Write("bf16", model, 1);
        using var half = Qwen3VLModel.FromPretrained(dir, dtype: ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, half.LmHeadWeight.dtype);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 0, 9, 3, 5, 4, 10, 11, 12, 13, 14 }).view(2, 5);
        var mask = tensor(new long[] { 0, 1, 1, 1, 1, 1, 1, 1, 1, 1 }).view(2, 5);
        using var generator = new TorchSharp.torch.Generator(5);
        var pixels = randn(4, 1536, generator: generator);
        var grid = tensor(new long[] { 1, 2, 2 }).view(1, 3);
        using var full = model.Forward(ids, mask, pixels, grid);
        using var low = half.Forward(ids, mask, pixels, grid);
        Assert.Equal(ScalarType.Float32, low.Logits!.dtype);
        var real = mask.to_type(ScalarType.Bool).unsqueeze(-1).expand_as(full.Logits!);
        var diff = (full.Logits! - low.Logits!).abs().masked_select(real).max().item<float>();
        var scale = full.Logits!.abs().max().item<float>();
        Assert.True(diff <= 0.05 * Math.Max(1, scale), $"bf16 logits differ from fp32 by {diff} (largest {scale})");
    }

    [Fact]
    public void A_tied_model_ignores_a_stored_copy_of_the_head()
    {
        using var model = Qwen3VLTestData.Model(true, 8);
        var dir = Write("tied-head", model, 1, s => s.Append(new("lm_head.weight", model.LmHeadWeight)), tied: true);
        using var loaded = Qwen3VLModel.FromPretrained(dir);
        AssertSameWeights(model, loaded);
    }

    [Fact]
    public void Missing_unexpected_and_misshaped_tensors_are_named()
    {
        using var model = Qwen3VLTestData.Model(false, 9);
        const string q = "model.language_model.layers.1.self_attn.q_norm.weight";
        var missing = Write("missing", model, 2, s => s.Where(kv => kv.Key != q));
        Assert.Contains(q, Assert.Throws<CheckpointException>(() => Qwen3VLModel.FromPretrained(missing)).Message, StringComparison.Ordinal);

        using var extra = zeros(3);
        var unexpected = Write("unexpected", model, 1, s => s.Append(new("model.visual.extra_norm.weight", extra)));
        Assert.Contains("model.visual.extra_norm.weight", Assert.Throws<CheckpointException>(() => Qwen3VLModel.FromPretrained(unexpected)).Message, StringComparison.Ordinal);

        // Qwen2.5-VL's Hub names are not Qwen3-VL's: a key without the model. prefix is unexpected, not mapped.
        var renamed = Write("renamed", model, 1, s => s.Select(kv => kv.Key == "model.visual.pos_embed.weight" ? new("visual.pos_embed.weight", kv.Value) : kv));
        Assert.Contains("visual.pos_embed.weight", Assert.Throws<CheckpointException>(() => Qwen3VLModel.FromPretrained(renamed)).Message, StringComparison.Ordinal);

        using var wrong = zeros(15, 32);
        var misshaped = Write("misshaped", model, 1, s => s.Select(kv => kv.Key == "model.visual.pos_embed.weight" ? new("model.visual.pos_embed.weight", wrong) : kv));
        var e = Assert.Throws<CheckpointException>(() => Qwen3VLModel.FromPretrained(misshaped));
        Assert.Contains("model.visual.pos_embed.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("[15, 32]", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3", "text_config.num_hidden_layers is 3")]
    [InlineData("\"depth\": 2", "\"depth\": 5", "vision_config.depth is 5")]
    [InlineData("\"vocab_size\": 64", "\"vocab_size\": 640", "text_config.vocab_size 640")]
    public void A_config_that_disagrees_with_the_headers_is_named_before_the_model_is_built(string field, string changed, string message)
    {
        using var model = Qwen3VLTestData.Model(false, 12);
        var dir = Write("headers", model, 2);
        var config = Path.Combine(dir, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace(field, changed, StringComparison.Ordinal));
        var e = Assert.Throws<CheckpointException>(() => Qwen3VLModel.FromPretrained(dir));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains(config, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Videos_and_mismatched_image_tokens_are_refused_with_counts()
    {
        using var model = Qwen3VLTestData.Model(false, 10);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var video = tensor(new long[] { 9, 3, 6, 4 }).view(1, 4);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(video, ones_like(video)));
        Assert.Contains("video", e.Message, StringComparison.Ordinal);

        var ids = tensor(new long[] { 9, 3, 5, 5, 4 }).view(1, 5);
        var pixels = zeros(4, 1536);
        var grid = tensor(new long[] { 1, 2, 2 }).view(1, 3);
        var mismatch = Assert.Throws<ArgumentException>(() => model.Forward(ids, ones_like(ids), pixels, grid));
        Assert.Contains("2 image", mismatch.Message, StringComparison.Ordinal);
    }
}
