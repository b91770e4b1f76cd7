using System.Text.Json.Nodes;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Checkpoints;
using VisionR1.Model.Lora;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

/// <summary>LoRA on the language model's linear layers: PEFT's initialisation, switching off, merging and PEFT's file layout.</summary>
public sealed class LoraTests : IDisposable
{
    private static readonly string[] AllSeven = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-lora-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>One text row of 40 tokens and one with an image: 2 × 40 rows ≥ the fused q/k/v threshold, so the fused path is exercised.</summary>
    private static MultimodalBatch Batch()
    {
        var pixels = ModelTestData.Patches(4, 4, 3);
        var grids = tensor(new long[] { 1, 4, 4 }, new long[] { 1, 3 });
        return ModelTestData.Batch([ModelTestData.TextPrompt(40, 1), ModelTestData.PromptWithImage(10, 4, 4, 20, 2)], pixels, grids);
    }

    private static Tensor Logits(Qwen25VLModel model, MultimodalBatch batch)
    {
        using var _ = no_grad();
        using var output = model.Forward(batch);
        return output.Logits!.detach().clone();
    }

    /// <summary>Gives every B a random value so that the adapter changes the outputs.</summary>
    private static void RandomizeB(LoraAdapters lora, long seed)
    {
        using var _ = no_grad();
        var g = new Generator((ulong)seed);
        foreach (var (name, t) in lora.NamedTensors().Where(kv => kv.Key.Contains(".lora_B.", StringComparison.Ordinal)))
        {
            using var r = randn(t.shape, generator: g);
            t.copy_(r);
        }
    }

    [Fact]
    public void A_new_adapter_starts_as_peft_does_and_leaves_the_logits_unchanged()
    {
        using var model = ModelTestData.Tiny(1);
        var batch = Batch();
        using var before = Logits(model, batch);
        using var lora = LoraAdapters.Attach(model, new LoraConfig { Rank = 4, Alpha = 8, TargetModules = AllSeven }, seed: 5);
        Assert.Equal(2 * 7, lora.LayerNames.Count);
        Assert.All(lora.LayerNames, n => Assert.StartsWith("model.layers.", n));
        foreach (var (key, t) in lora.NamedTensors())
        {
            if (key.Contains(".lora_B.", StringComparison.Ordinal)) Assert.Equal(0f, t.abs().max().item<float>());
            else
            {
                double bound = 1 / Math.Sqrt(t.shape[1]);
                Assert.True(t.abs().max().item<float>() <= bound && t.abs().max().item<float>() > 0.5 * bound, key);
                Assert.Equal(4, t.shape[0]);
            }
            Assert.Equal(ScalarType.Float32, t.dtype);
        }
        using var after = Logits(model, batch);
        Assert.True(ModelTestData.MaxAbsDiff(before, after) == 0);
        Assert.Equal(2 * (4 * (64 + 64) + 4 * (64 + 32) * 2 + 4 * (64 + 64)) + 2 * 3 * 4 * (64 + 128), lora.ParameterCount);
    }

    [Fact]
    public void Switching_the_adapter_off_gives_the_base_model_back_exactly()
    {
        using var model = ModelTestData.Tiny(2);
        var batch = Batch();
        using var baseLogits = Logits(model, batch);
        using var lora = LoraAdapters.Attach(model, new LoraConfig { Rank = 2, Alpha = 4, TargetModules = [LoraConfig.AllLinear] }, seed: 1);
        RandomizeB(lora, 3);
        using var adapted = Logits(model, batch);
        Assert.True(ModelTestData.MaxAbsDiff(adapted, baseLogits) > 1e-2, "the adapter did not change the logits");
        using (lora.Disable())
        {
            Assert.False(lora.Enabled);
            using var off = Logits(model, batch);
            Assert.True(ModelTestData.MaxAbsDiff(off, baseLogits) == 0, "adapter-off logits differ from the base model's");
        }
        Assert.True(lora.Enabled);
        using var again = Logits(model, batch);
        Assert.True(ModelTestData.MaxAbsDiff(again, adapted) == 0);
    }

    [Fact]
    public void Merged_weights_give_the_adapter_logits()
    {
        using var model = ModelTestData.Tiny(3);
        var batch = Batch();
        using var lora = LoraAdapters.Attach(model, new LoraConfig { Rank = 4, Alpha = 16, TargetModules = AllSeven }, seed: 2);
        RandomizeB(lora, 4);
        using var adapted = Logits(model, batch);
        lora.Merge();
        Assert.Throws<ObjectDisposedException>(() => lora.Parameters);
        using var merged = Logits(model, batch);
        float scale = adapted.abs().max().item<float>();
        Assert.True(ModelTestData.MaxAbsDiff(merged, adapted) < 1e-4 * scale, $"merged vs adapter: {ModelTestData.MaxAbsDiff(merged, adapted)} (scale {scale})");
    }

    [Fact]
    public void Adapter_files_use_peft_names_and_config_and_load_back()
    {
        using var model = ModelTestData.Tiny(4);
        model.eval(); // lora_dropout is on in training mode
        var batch = Batch();
        var config = new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0.05, TargetModules = ["q_proj", "v_proj", "down_proj"] };
        Tensor adapted;
        using (var lora = LoraAdapters.Attach(model, config, seed: 3))
        {
            RandomizeB(lora, 5);
            lora.Save(_dir.FullName, "Qwen/Qwen2.5-VL-7B-Instruct");
            adapted = Logits(model, batch);
        }

        using (var file = SafetensorsFile.Open(Path.Combine(_dir.FullName, "adapter_model.safetensors")))
        {
            var keys = file.Entries.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
            Assert.Equal(2 * 3 * 2, keys.Count);
            Assert.Contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", keys);
            Assert.Contains("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight", keys);
            Assert.Equal([4L, 64], file.Entries["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"].Shape);
            Assert.Equal([32L, 4], file.Entries["base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight"].Shape);
        }
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir.FullName, "adapter_config.json")))!.AsObject();
        Assert.Equal("LORA", (string?)json["peft_type"]);
        Assert.Equal(4, (int)json["r"]!);
        Assert.Equal(8, (double)json["lora_alpha"]!);
        Assert.Equal(0.05, (double)json["lora_dropout"]!);
        Assert.Equal(["q_proj", "v_proj", "down_proj"], json["target_modules"]!.AsArray().Select(n => (string)n!));
        Assert.Equal("none", (string?)json["bias"]);
        Assert.Equal("CAUSAL_LM", (string?)json["task_type"]);
        Assert.False((bool)json["fan_in_fan_out"]!);
        Assert.Equal("Qwen/Qwen2.5-VL-7B-Instruct", (string?)json["base_model_name_or_path"]);

        using var reloaded = LoraAdapters.LoadInto(model, _dir.FullName);
        Assert.Equal(config with { }, reloaded.Config with { TargetModules = config.TargetModules });
        using var logits = Logits(model, batch);
        Assert.True(ModelTestData.MaxAbsDiff(logits, adapted) == 0, "the reloaded adapter computes other logits");
    }

    [Fact]
    public void Adapters_saved_with_the_newer_transformers_layer_names_load_too()
    {
        using var model = ModelTestData.Tiny(5);
        var config = new LoraConfig { Rank = 2, TargetModules = ["o_proj"] };
        using (var lora = LoraAdapters.Attach(model, config, seed: 1))
        {
            RandomizeB(lora, 2);
            var renamed = lora.NamedTensors().Select(kv => new KeyValuePair<string, Tensor>(
                kv.Key.Replace("base_model.model.model.layers.", "base_model.model.model.language_model.layers.", StringComparison.Ordinal), kv.Value));
            PeftAdapterFiles.Write(_dir.FullName, config, renamed);
        }
        using var loaded = LoraAdapters.LoadInto(model, _dir.FullName);
        Assert.True(loaded.NamedTensors().Where(kv => kv.Key.Contains("lora_B", StringComparison.Ordinal)).All(kv => kv.Value.abs().sum().item<float>() > 0));
    }

    [Fact]
    public void Unsupported_or_mismatched_adapter_files_fail_naming_the_field_or_tensor()
    {
        using var model = ModelTestData.Tiny(6);
        var config = new LoraConfig { Rank = 2, TargetModules = ["q_proj"] };
        using (var lora = LoraAdapters.Attach(model, config, seed: 1)) lora.Save(_dir.FullName);
        var configPath = Path.Combine(_dir.FullName, "adapter_config.json");
        var original = File.ReadAllText(configPath);

        File.WriteAllText(configPath, original.Replace("\"use_dora\": false", "\"use_dora\": true", StringComparison.Ordinal));
        Assert.Contains("use_dora", Assert.Throws<CheckpointException>(() => LoraAdapters.LoadInto(model, _dir.FullName)).Message);

        File.WriteAllText(configPath, original.Replace("\"r\": 2", "\"r\": 3", StringComparison.Ordinal));
        var shape = Assert.Throws<CheckpointException>(() => LoraAdapters.LoadInto(model, _dir.FullName));
        Assert.Contains("lora_A.weight", shape.Message);
        Assert.Contains("shape", shape.Message);

        File.WriteAllText(configPath, original.Replace("\"q_proj\"", "\"q_proj\", \"k_proj\"", StringComparison.Ordinal));
        Assert.Contains("missing tensor", Assert.Throws<CheckpointException>(() => LoraAdapters.LoadInto(model, _dir.FullName)).Message);
        Assert.Null(model.named_modules().Select(m => m.module).OfType<VisionR1.Model.Layers.Linear>().FirstOrDefault(l => l.Adapter is not null));

        Assert.Contains("match no linear layer", Assert.Throws<ArgumentException>(() => LoraAdapters.Attach(model, new LoraConfig { TargetModules = ["qkv"] }, 1)).Message);
    }
}
