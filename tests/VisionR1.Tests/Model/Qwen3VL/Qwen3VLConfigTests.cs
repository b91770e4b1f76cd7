using VisionR1.Model.Config;
using VisionR1.Model.Qwen3VL;

namespace VisionR1.Tests.Model.Qwen3VL;

public sealed class Qwen3VLConfigTests
{
    [Fact]
    public void The_nested_hub_layout_is_read_field_by_field()
    {
        var c = Qwen3VLConfig.Parse(Qwen3VLTestData.Json());
        Assert.Equal(64, c.Text.VocabSize);
        Assert.Equal(16, c.Text.HeadDim);
        Assert.Equal(2, c.Text.NumKeyValueHeads);
        Assert.Equal(5_000_000.0, c.Text.RopeTheta);
        Assert.Equal([3, 3, 2], c.Text.MropeSection);
        Assert.False(c.Text.AttentionBias);
        Assert.False(c.Text.TieWordEmbeddings);
        Assert.Equal(16, c.Vision.NumPositionEmbeddings);
        Assert.Equal(4, c.Vision.PositionGridSide);
        Assert.Equal(1536, c.Vision.PatchDim);
        Assert.Equal([0], c.Vision.DeepstackVisualIndexes);
        Assert.Equal(new ModelTokenIds(0, 2, 0, 5, 6, 3, 4), c.Tokens);
        Assert.True(Qwen3VLConfig.Parse(Qwen3VLTestData.Json(tied: true)).Text.TieWordEmbeddings);
    }

    [Theory]
    [InlineData("""{"model_type": "qwen3_vl", "vision_config": {}}""", "text_config")]
    [InlineData("""{"model_type": "qwen2_5_vl", "text_config": {}, "vision_config": {}}""", "model_type")]
    public void A_config_without_the_nested_text_model_is_refused_by_name(string json, string field)
    {
        var e = Assert.Throws<ModelConfigException>(() => Qwen3VLConfig.Parse(json));
        Assert.Equal(field, e.Field);
    }

    [Theory]
    [InlineData(""", "head_dim": 15""", "", "text_config.head_dim")]
    [InlineData(""", "num_key_value_heads": 3""", "", "text_config.num_key_value_heads")]
    [InlineData(""", "hidden_act": "gelu" """, "", "text_config.hidden_act")]
    [InlineData(""", "vocab_size": 0""", "", "text_config.vocab_size")]
    [InlineData("", """, "num_position_embeddings": 15""", "vision_config.num_position_embeddings")]
    [InlineData("", """, "deepstack_visual_indexes": [2]""", "vision_config.deepstack_visual_indexes")]
    [InlineData("", """, "deepstack_visual_indexes": [0, 0]""", "vision_config.deepstack_visual_indexes")]
    [InlineData("", """, "out_hidden_size": 32""", "vision_config.out_hidden_size")]
    [InlineData("", """, "hidden_act": "silu" """, "vision_config.hidden_act")]
    [InlineData("", """, "num_heads": 3""", "vision_config.num_heads")]
    public void Inconsistent_fields_are_named(string textExtra, string visionExtra, string field)
    {
        var json = Override(Qwen3VLTestData.Json(), textExtra, visionExtra);
        var e = Assert.Throws<ModelConfigException>(() => Qwen3VLConfig.Parse(json));
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void Rotary_variants_other_than_the_released_one_are_refused()
    {
        var yarn = Qwen3VLTestData.Json().Replace("\"rope_type\": \"default\"", "\"rope_type\": \"yarn\"", StringComparison.Ordinal);
        Assert.Equal("text_config.rope_scaling.rope_type", Assert.Throws<ModelConfigException>(() => Qwen3VLConfig.Parse(yarn)).Field);
        var chunked = Qwen3VLTestData.Json().Replace("\"mrope_interleaved\": true", "\"mrope_interleaved\": false", StringComparison.Ordinal);
        Assert.Equal("text_config.rope_scaling.mrope_interleaved", Assert.Throws<ModelConfigException>(() => Qwen3VLConfig.Parse(chunked)).Field);
        var two = Qwen3VLTestData.Json().Replace("[3, 3, 2]", "[3, 3]", StringComparison.Ordinal);
        Assert.Equal("text_config.rope_scaling.mrope_section", Assert.Throws<ModelConfigException>(() => Qwen3VLConfig.Parse(two)).Field);
    }

    [Fact]
    public void Load_names_the_file_in_the_message()
    {
        var dir = Directory.CreateTempSubdirectory("vr1-q3cfg-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "config.json"), Override(Qwen3VLTestData.Json(), "", """, "num_position_embeddings": 15"""));
            var e = Assert.Throws<ModelConfigException>(() => Qwen3VLConfig.Load(dir.FullName));
            Assert.Contains(Path.Combine(dir.FullName, "config.json"), e.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    /// <summary>Sets the given text_config / vision_config fields, replacing those the base config already has.</summary>
    private static string Override(string json, string textExtra, string visionExtra)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        foreach (var (section, extra) in new[] { ("text_config", textExtra), ("vision_config", visionExtra) })
        {
            if (extra.Length == 0) continue;
            var fields = System.Text.Json.Nodes.JsonNode.Parse("{" + extra.TrimStart(',', ' ') + "}")!.AsObject();
            foreach (var (key, value) in fields.ToList())
            {
                fields.Remove(key);
                root[section]![key] = value;
            }
        }
        return root.ToJsonString();
    }
}
