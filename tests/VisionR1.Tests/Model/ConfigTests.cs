using VisionR1.Model.Config;

namespace VisionR1.Tests.Model;

public sealed class ConfigTests
{
    private const string Nested = """
    {
      "architectures": ["Qwen2_5_VLForConditionalGeneration"], "model_type": "qwen2_5_vl",
      "image_token_id": 5, "video_token_id": 6, "vision_start_token_id": 3, "vision_end_token_id": 4,
      "tie_word_embeddings": true,
      "text_config": {
        "vocab_size": 1024, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
        "bos_token_id": 0, "eos_token_id": 2, "max_position_embeddings": 4096,
        "rope_parameters": {"rope_type": "default", "mrope_section": [2, 3, 3], "rope_theta": 1000000.0}
      },
      "vision_config": {
        "depth": 2, "hidden_size": 32, "intermediate_size": 64, "num_heads": 2, "in_channels": 3,
        "out_hidden_size": 64, "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2,
        "window_size": 56, "fullatt_block_indexes": [1], "tokens_per_second": 2
      }
    }
    """;

    [Fact]
    public void Flat_hub_layout_round_trips_every_preset()
    {
        foreach (var preset in new[] { Qwen25VLPresets.Tiny, Qwen25VLPresets.Small, Qwen25VLPresets.Medium, Qwen25VLPresets.Qwen3B, Qwen25VLPresets.Qwen7B })
        {
            var parsed = Qwen25VLConfig.Parse(preset.ToJson());
            Assert.Equal(preset.Text with { MropeSection = parsed.Text.MropeSection }, parsed.Text);
            Assert.Equal(preset.Text.MropeSection, parsed.Text.MropeSection);
            Assert.Equal(preset.Vision.FullAttentionBlockIndexes, parsed.Vision.FullAttentionBlockIndexes);
            Assert.Equal(preset.Vision with { FullAttentionBlockIndexes = parsed.Vision.FullAttentionBlockIndexes }, parsed.Vision);
            Assert.Equal(preset.Tokens, parsed.Tokens);
        }
    }

    [Fact]
    public void Nested_layout_with_rope_parameters_parses_like_the_tiny_preset()
    {
        var parsed = Qwen25VLConfig.Parse(Nested);
        var tiny = Qwen25VLPresets.Tiny;
        Assert.Equal(tiny.Text with { MropeSection = parsed.Text.MropeSection }, parsed.Text);
        Assert.Equal(new[] { 2, 3, 3 }, parsed.Text.MropeSection);
        Assert.Equal(tiny.Vision with { FullAttentionBlockIndexes = parsed.Vision.FullAttentionBlockIndexes }, parsed.Vision);
        Assert.Equal(tiny.Tokens, parsed.Tokens);
    }

    [Theory]
    [InlineData("\"mrope_section\": [2, 3, 3]", "\"mrope_section\": [2, 3, 4]", "text_config.rope_parameters.mrope_section")]
    [InlineData("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3", "text_config.num_key_value_heads")]
    [InlineData("\"num_heads\": 2", "\"num_heads\": 3", "vision_config.num_heads")]
    [InlineData("\"out_hidden_size\": 64", "\"out_hidden_size\": 48", "vision_config.out_hidden_size")]
    [InlineData("\"fullatt_block_indexes\": [1]", "\"fullatt_block_indexes\": [2]", "vision_config.fullatt_block_indexes")]
    [InlineData("\"image_token_id\": 5", "\"image_token_id\": 5000", "image_token_id")]
    [InlineData("\"hidden_size\": 64,", "\"hidden_size\": \"wide\",", "text_config.hidden_size")]
    [InlineData("\"depth\": 2,", "", "vision_config.depth")]
    public void Inconsistent_config_names_the_field(string from, string to, string field)
    {
        Assert.Contains(from, Nested);
        var e = Assert.Throws<ModelConfigException>(() => Qwen25VLConfig.Parse(Nested.Replace(from, to, StringComparison.Ordinal)));
        Assert.Equal(field, e.Field);
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void Presets_are_found_by_name()
    {
        Assert.Same(Qwen25VLPresets.Small, Qwen25VLPresets.ByName("Small"));
        Assert.Same(Qwen25VLPresets.Medium, Qwen25VLPresets.ByName("medium"));
        Assert.Same(Qwen25VLPresets.Qwen7B, Qwen25VLPresets.ByName("7b"));
        Assert.Throws<ArgumentException>(() => Qwen25VLPresets.ByName("70b"));
    }
}
