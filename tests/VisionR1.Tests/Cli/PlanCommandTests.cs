using System.Text.Json;
using static VisionR1.Tests.Cli.Vr1Cli;

namespace VisionR1.Tests.Cli;

/// <summary>`vr1 plan` for either family: presets, config files and the JSON it prints.</summary>
public sealed class PlanCommandTests
{
    private static async Task<JsonElement> PlanJson(params string[] args)
    {
        var (code, output, err) = await Run(["plan", .. args, "--json"]);
        Assert.True(code == 0, err);
        using var json = JsonDocument.Parse(output.Trim());
        return json.RootElement.Clone();
    }

    [Fact]
    public async Task Plan_of_the_qwen3_vl_8b_lora_run_prints_its_parts()
    {
        var plan = await PlanJson("--preset", "qwen3-vl-8b", "--lora-r", "16", "--checkpointing", "text");
        Assert.Equal(8_767_123_696L, plan.GetProperty("parameters").GetInt64());
        Assert.Equal(16L * 36 * ((4096 + 4096) * 2 + (4096 + 1024) * 2 + (4096 + 12288) * 3), plan.GetProperty("trainable_parameters").GetInt64());
        Assert.Equal(2 * 8_767_123_696L, plan.GetProperty("weights").GetInt64());
        Assert.Equal(0, plan.GetProperty("reference").GetInt64());
        // Keys and values of 36 layers × 8 KV heads × 128, bf16, the 8 completions of 512 + 4096 positions.
        Assert.Equal(2L * 36 * 8 * 128 * 2 * 8 * (512 + 4096), plan.GetProperty("kv_cache").GetInt64());
        long peak = plan.GetProperty("peak").GetInt64();
        Assert.True(peak > plan.GetProperty("weights").GetInt64() + plan.GetProperty("kv_cache").GetInt64());
        Assert.True(plan.GetProperty("fits").GetBoolean());
        Assert.Equal(JsonValueKind.Null, plan.GetProperty("measured_peak_training").ValueKind);
    }

    [Fact]
    public async Task A_qwen3_vl_config_json_is_planned_like_its_preset()
    {
        var dir = Directory.CreateTempSubdirectory("vr1-plan-");
        try
        {
            // The 2B preset written the Hub's way (nested text and vision configs, model_type qwen3_vl).
            File.WriteAllText(Path.Combine(dir.FullName, "config.json"), """
            {
              "architectures": ["Qwen3VLForConditionalGeneration"], "model_type": "qwen3_vl",
              "image_token_id": 151655, "video_token_id": 151656, "vision_start_token_id": 151652, "vision_end_token_id": 151653,
              "tie_word_embeddings": true,
              "text_config": {
                "vocab_size": 151936, "hidden_size": 2048, "intermediate_size": 6144, "num_hidden_layers": 28,
                "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128, "rms_norm_eps": 1e-06,
                "bos_token_id": 151643, "eos_token_id": 151645, "max_position_embeddings": 262144, "tie_word_embeddings": true,
                "rope_scaling": {"rope_type": "default", "mrope_section": [24, 20, 20], "mrope_interleaved": true}, "rope_theta": 5000000
              },
              "vision_config": {
                "depth": 24, "hidden_size": 1024, "intermediate_size": 4096, "num_heads": 16, "out_hidden_size": 2048,
                "patch_size": 16, "spatial_merge_size": 2, "temporal_patch_size": 2, "num_position_embeddings": 2304,
                "deepstack_visual_indexes": [5, 11, 17], "hidden_act": "gelu_pytorch_tanh"
              }
            }
            """);
            var fromModel = await PlanJson("--model", dir.FullName, "--lora-r", "8");
            var fromConfig = await PlanJson("--config", Path.Combine(dir.FullName, "config.json"), "--lora-r", "8");
            var fromPreset = await PlanJson("--preset", "qwen3-vl-2b", "--lora-r", "8");
            Assert.Equal(fromPreset.GetRawText(), fromModel.GetRawText());
            Assert.Equal(fromPreset.GetRawText(), fromConfig.GetRawText());
            Assert.Equal(2_127_532_032L, fromPreset.GetProperty("parameters").GetInt64());
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public async Task An_unknown_qwen3_vl_preset_is_refused_with_the_sizes_named()
    {
        var unknown = await Run("plan", "--preset", "qwen3-vl-7b");
        Assert.NotEqual(0, unknown.Code);
        Assert.Contains("qwen3-vl-8b", unknown.Err);
    }

    [Fact]
    public async Task Measure_runs_two_training_steps_of_a_qwen3_vl_model()
    {
        var plan = await PlanJson("--preset", "qwen3-vl-tiny", "--lora-r", "4", "--prompt-len", "16", "--completion-len", "16", "--measure");
        // The peak is read from this test process's resident size, which other tests move; that it was measured is the check here.
        Assert.Equal(JsonValueKind.Number, plan.GetProperty("measured_peak_training").ValueKind);
        Assert.True(plan.GetProperty("measured_step_seconds").GetDouble() > 0);
    }
}
