using VisionR1.Model.Qwen3VL;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model.Qwen3VL;

/// <summary>Small Qwen3-VL config.json texts for the unit tests (the Hub's nested layout).</summary>
internal static class Qwen3VLTestData
{
    /// <summary>A tiny untied model: text 64 wide with head_dim 16 and mrope_section [3, 3, 2]; vision 32 wide, 2 blocks, DeepStack from block 0.</summary>
    public static string Json(bool tied = false) => $$"""
    {
      "architectures": ["Qwen3VLForConditionalGeneration"], "model_type": "qwen3_vl",
      "image_token_id": 5, "video_token_id": 6, "vision_start_token_id": 3, "vision_end_token_id": 4,
      "tie_word_embeddings": {{(tied ? "true" : "false")}},
      "text_config": {
        "vocab_size": 64, "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "rms_norm_eps": 1e-06,
        "bos_token_id": 0, "eos_token_id": 2, "pad_token_id": 0, "max_position_embeddings": 4096,
        "rope_theta": 5000000.0, "tie_word_embeddings": {{(tied ? "true" : "false")}},
        "rope_scaling": {"rope_type": "default", "mrope_section": [3, 3, 2], "mrope_interleaved": true}
      },
      "vision_config": {
        "depth": 2, "hidden_size": 32, "intermediate_size": 48, "num_heads": 2, "in_channels": 3,
        "out_hidden_size": 64, "patch_size": 16, "spatial_merge_size": 2, "temporal_patch_size": 2,
        "num_position_embeddings": 16, "deepstack_visual_indexes": [0], "hidden_act": "gelu_pytorch_tanh"
      }
    }
    """;

    /// <summary>The model of <see cref="Json"/> on the CPU in fp32 with weights ~ N(0, 0.05) from <paramref name="seed"/>.</summary>
    public static Qwen3VLModel Model(bool tied, long seed)
    {
        VisionR1Runtime.Initialize("cpu");
        var model = new Qwen3VLModel(Qwen3VLConfig.Parse(Json(tied)));
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed);
        foreach (var (_, p) in model.named_parameters()) p.normal_(0, 0.05, generator);
        return model;
    }

    /// <summary>
    /// The model of <see cref="Json"/> with transformers' initialisation (<see cref="Qwen3VLModel.InitializeWeights"/>) at
    /// initializer_range 0.2: unit norms and logits of order one, so that differences between code paths are not hidden by tiny activations.
    /// </summary>
    public static Qwen3VLModel Initialized(bool tied, long seed)
    {
        VisionR1Runtime.Initialize("cpu");
        var json = Json(tied).Replace("\"model_type\": \"qwen3_vl\",", "\"model_type\": \"qwen3_vl\", \"initializer_range\": 0.2,", StringComparison.Ordinal);
        var model = new Qwen3VLModel(Qwen3VLConfig.Parse(json));
        model.InitializeWeights(seed);
        return model;
    }
}
