using TorchSharp;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

public sealed class StateDictLayoutTests
{
    public StateDictLayoutTests() => VisionR1Runtime.Initialize("cpu");

    /// <summary>The Hub checkpoint keys and shapes, written out from qwen25vl.md independently of the model code.</summary>
    private static Dictionary<string, long[]> ExpectedHubLayout(long hidden, long inter, int layers, long heads, long kvHeads, long vocab, bool tied)
    {
        const long vh = 1280, vi = 3420, hd = 128;
        var e = new Dictionary<string, long[]>(StringComparer.Ordinal)
        {
            ["visual.patch_embed.proj.weight"] = [vh, 3, 2, 14, 14],
            ["visual.merger.ln_q.weight"] = [vh],
            ["visual.merger.mlp.0.weight"] = [vh * 4, vh * 4],
            ["visual.merger.mlp.0.bias"] = [vh * 4],
            ["visual.merger.mlp.2.weight"] = [hidden, vh * 4],
            ["visual.merger.mlp.2.bias"] = [hidden],
            ["model.embed_tokens.weight"] = [vocab, hidden],
            ["model.norm.weight"] = [hidden],
        };
        for (int i = 0; i < 32; i++)
        {
            var p = $"visual.blocks.{i}.";
            e[p + "norm1.weight"] = [vh];
            e[p + "norm2.weight"] = [vh];
            e[p + "attn.qkv.weight"] = [3 * vh, vh];
            e[p + "attn.qkv.bias"] = [3 * vh];
            e[p + "attn.proj.weight"] = [vh, vh];
            e[p + "attn.proj.bias"] = [vh];
            e[p + "mlp.gate_proj.weight"] = [vi, vh];
            e[p + "mlp.gate_proj.bias"] = [vi];
            e[p + "mlp.up_proj.weight"] = [vi, vh];
            e[p + "mlp.up_proj.bias"] = [vi];
            e[p + "mlp.down_proj.weight"] = [vh, vi];
            e[p + "mlp.down_proj.bias"] = [vh];
        }
        for (int i = 0; i < layers; i++)
        {
            var p = $"model.layers.{i}.";
            e[p + "self_attn.q_proj.weight"] = [heads * hd, hidden];
            e[p + "self_attn.q_proj.bias"] = [heads * hd];
            e[p + "self_attn.k_proj.weight"] = [kvHeads * hd, hidden];
            e[p + "self_attn.k_proj.bias"] = [kvHeads * hd];
            e[p + "self_attn.v_proj.weight"] = [kvHeads * hd, hidden];
            e[p + "self_attn.v_proj.bias"] = [kvHeads * hd];
            e[p + "self_attn.o_proj.weight"] = [hidden, heads * hd];
            e[p + "mlp.gate_proj.weight"] = [inter, hidden];
            e[p + "mlp.up_proj.weight"] = [inter, hidden];
            e[p + "mlp.down_proj.weight"] = [hidden, inter];
            e[p + "input_layernorm.weight"] = [hidden];
            e[p + "post_attention_layernorm.weight"] = [hidden];
        }
        if (!tied) e["lm_head.weight"] = [vocab, hidden];
        return e;
    }

    private static void AssertLayout(Qwen25VLConfig config, Dictionary<string, long[]> expected, long expectedParameters)
    {
        using var model = new Qwen25VLModel(config, META, ScalarType.BFloat16);
        var actual = model.state_dict();
        Assert.All(actual.Values, t => Assert.Equal(DeviceType.META, t.device_type));
        var missing = expected.Keys.Except(actual.Keys).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var extra = actual.Keys.Except(expected.Keys).OrderBy(k => k, StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0, $"missing: {string.Join(", ", missing.Take(5))}; unexpected: {string.Join(", ", extra.Take(5))}");
        foreach (var (key, shape) in expected)
            Assert.True(shape.SequenceEqual(actual[key].shape), $"{key}: expected [{string.Join(",", shape)}], got [{string.Join(",", actual[key].shape)}]");
        Assert.Equal(expectedParameters, model.ParameterCount);
    }

    [Fact]
    public void Preset_3B_on_meta_device_has_hub_key_names_and_shapes()
    {
        // 3,754,622,976 is the parameter count published for Qwen2.5-VL-3B-Instruct (tied head counted once).
        AssertLayout(Qwen25VLPresets.Qwen3B, ExpectedHubLayout(2048, 11008, 36, 16, 2, 151936, tied: true), 3_754_622_976);
    }

    [Fact]
    public void Preset_7B_on_meta_device_has_hub_key_names_and_shapes()
    {
        // 8,292,166,656 is the parameter count published for Qwen2.5-VL-7B-Instruct.
        AssertLayout(Qwen25VLPresets.Qwen7B, ExpectedHubLayout(3584, 18944, 28, 28, 4, 152064, tied: false), 8_292_166_656);
    }

    [Fact]
    public void Small_presets_report_their_parameter_counts()
    {
        using var tiny = new Qwen25VLModel(Qwen25VLPresets.Tiny, META);
        using var small = new Qwen25VLModel(Qwen25VLPresets.Small, META);
        using var medium = new Qwen25VLModel(Qwen25VLPresets.Medium, META);
        Console.WriteLine($"tiny={tiny.ParameterCount} small={small.ParameterCount} medium={medium.ParameterCount}");
        Assert.InRange(small.ParameterCount, 5_000_000, 10_000_000);
        Assert.InRange(medium.ParameterCount, 12_000_000, 20_000_000);
        Assert.InRange(tiny.ParameterCount, 100_000, 1_000_000);
    }
}
