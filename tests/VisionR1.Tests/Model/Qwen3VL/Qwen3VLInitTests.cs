using VisionR1.Model.Qwen3VL;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model.Qwen3VL;

public sealed class Qwen3VLInitTests
{
    private static Qwen3VLModel Model(double? initializerRange = null)
    {
        VisionR1Runtime.Initialize("cpu");
        var json = Qwen3VLTestData.Json();
        if (initializerRange is double r)
            json = json.Replace("\"model_type\": \"qwen3_vl\",", $"\"model_type\": \"qwen3_vl\", \"initializer_range\": {r},", StringComparison.Ordinal);
        return new Qwen3VLModel(Qwen3VLConfig.Parse(json));
    }

    private static bool IsNorm(string name) =>
        name.EndsWith("layernorm.weight", StringComparison.Ordinal) || name.EndsWith("q_norm.weight", StringComparison.Ordinal)
        || name.EndsWith("k_norm.weight", StringComparison.Ordinal) || name.EndsWith(".norm.weight", StringComparison.Ordinal)
        || name.EndsWith("norm1.weight", StringComparison.Ordinal) || name.EndsWith("norm2.weight", StringComparison.Ordinal);

    [Fact]
    public void The_same_seed_gives_the_same_weights_and_another_seed_others()
    {
        using var a = Model();
        using var b = Model();
        using var c = Model();
        a.InitializeWeights(5);
        b.InitializeWeights(5);
        c.InitializeWeights(6);
        var sb = b.state_dict();
        var sc = c.state_dict();
        foreach (var (key, value) in a.state_dict())
        {
            Assert.True(value.equal(sb[key]).all().item<bool>(), $"{key} differs between two runs with seed 5");
            if (!key.EndsWith(".bias", StringComparison.Ordinal) && !IsNorm(key))
                Assert.False(value.equal(sc[key]).all().item<bool>(), $"{key} is the same for seeds 5 and 6");
        }
    }

    [Fact]
    public void Biases_are_zero_norm_weights_one_and_every_other_weight_normal_with_the_initializer_range()
    {
        using var model = Model(initializerRange: 0.1);
        model.InitializeWeights(7);
        int norms = 0, biases = 0, drawn = 0;
        var pooled = new List<float>();
        foreach (var (name, p) in model.named_parameters())
        {
            var values = p.data<float>().ToArray();
            if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                biases++;
                Assert.All(values, v => Assert.Equal(0f, v));
            }
            else if (IsNorm(name))
            {
                norms++;
                Assert.All(values, v => Assert.Equal(1f, v));
            }
            else
            {
                drawn++;
                Assert.Contains(values, v => v != 0f && v != 1f);
                pooled.AddRange(values);
            }
        }
        // 2 layers × (input, post-attention, q, k) + final norm; 2 blocks × (norm1, norm2); merger and one DeepStack merger.
        Assert.Equal((2 * 4) + 1 + (2 * 2) + 2, norms);
        Assert.True(biases > 0 && drawn > 0);
        double mean = pooled.Average(v => (double)v);
        double std = Math.Sqrt(pooled.Average(v => (v - mean) * (v - mean)));
        Assert.True(Math.Abs(mean) < 0.003, $"mean {mean}");
        Assert.True(Math.Abs(std - 0.1) < 0.003, $"std {std} (initializer_range 0.1)");
        Assert.Contains(model.named_parameters(), p => p.name == "model.language_model.layers.0.self_attn.q_norm.weight");
        Assert.Contains(model.named_parameters(), p => p.name == "model.visual.patch_embed.proj.bias");
    }
}
