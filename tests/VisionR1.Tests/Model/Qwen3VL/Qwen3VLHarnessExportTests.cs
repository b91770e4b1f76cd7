using VisionR1.Model;
using VisionR1.Model.Checkpoints;
using VisionR1.Model.Qwen3VL;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model.Qwen3VL;

/// <summary>
/// Writes the folders that <c>tools/parity/check_qwen3vl_roundtrip.py</c> loads into transformers: two random Qwen3-VL
/// models saved with <see cref="QwenVLModel.SavePretrained"/> (<c>untied</c>, one file; <c>tied-sharded</c>, a tied head in
/// shards with an index) and, beside each, <c>reference.safetensors</c> with a batch (an image row and a left-padded text
/// row) and the logits this library computes for it. With <c>VR1_WRITE_QWEN3VL_CHECKPOINT=DIR</c> the folders go to DIR
/// (see tools/parity/README.md); otherwise to a temporary folder. Either way the folders are loaded back through the
/// family dispatch and must reproduce the stored logits exactly.
/// </summary>
public sealed class Qwen3VLHarnessExportTests
{
    private const string Variable = "VR1_WRITE_QWEN3VL_CHECKPOINT";

    /// <summary>A small untied or tied model with several text layers, two DeepStack levels and initializer_range 0.1 (logits of order one).</summary>
    private static string Json(bool tied) => $$"""
    {
      "architectures": ["Qwen3VLForConditionalGeneration"], "model_type": "qwen3_vl",
      "image_token_id": 5, "video_token_id": 6, "vision_start_token_id": 3, "vision_end_token_id": 4,
      "tie_word_embeddings": {{(tied ? "true" : "false")}}, "initializer_range": 0.1,
      "text_config": {
        "vocab_size": 96, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 3,
        "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32, "rms_norm_eps": 1e-06,
        "bos_token_id": 0, "eos_token_id": 2, "pad_token_id": 0, "max_position_embeddings": 4096,
        "rope_theta": 5000000.0, "tie_word_embeddings": {{(tied ? "true" : "false")}},
        "rope_scaling": {"rope_type": "default", "mrope_section": [6, 5, 5], "mrope_interleaved": true}
      },
      "vision_config": {
        "depth": 3, "hidden_size": 48, "intermediate_size": 96, "num_heads": 2, "in_channels": 3,
        "out_hidden_size": 64, "patch_size": 16, "spatial_merge_size": 2, "temporal_patch_size": 2,
        "num_position_embeddings": 16, "deepstack_visual_indexes": [0, 1], "hidden_act": "gelu_pytorch_tanh"
      }
    }
    """;

    [Fact]
    public void Saved_folders_with_their_reference_logits_load_back_through_the_family_dispatch_and_reproduce_them()
    {
        VisionR1Runtime.Initialize("cpu");
        var target = Environment.GetEnvironmentVariable(Variable);
        var temp = string.IsNullOrEmpty(target) ? Directory.CreateTempSubdirectory("vr1-q3harness-") : null;
        var root = temp?.FullName ?? Directory.CreateDirectory(target!).FullName;
        try
        {
            foreach (var (name, tied, shard) in new[] { ("untied", false, (long?)null), ("tied-sharded", true, 400_000L) })
            {
                var dir = Path.Combine(root, name);
                using (var model = new Qwen3VLModel(Qwen3VLConfig.Parse(Json(tied))))
                {
                    model.InitializeWeights(tied ? 62 : 61);
                    model.SavePretrained(dir, maxShardBytes: shard);
                    WriteReference(model, Path.Combine(dir, "reference.safetensors"));
                }
                Assert.Equal(shard is not null, File.Exists(Path.Combine(dir, CheckpointLoader.IndexFile)));
                using var loaded = QwenVLModel.FromPretrained(dir);
                Assert.IsType<Qwen3VLModel>(loaded);
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                using var file = SafetensorsFile.Open(Path.Combine(dir, "reference.safetensors"));
                using var output = loaded.Forward(file.Read("input_ids"), file.Read("attention_mask"), file.Read("pixel_values"), file.Read("image_grid_thw"));
                Assert.True(output.Logits!.equal(file.Read("logits")).all().item<bool>(), $"{name}: the loaded model's logits differ from the saved model's");
                Assert.True(output.RopeDeltas.equal(file.Read("rope_deltas")).all().item<bool>());
            }
        }
        finally
        {
            temp?.Delete(true);
        }
    }

    /// <summary>An image row (a 6×4-patch image: 6 tokens, its position table interpolated up and down) and a text row with two columns of left padding.</summary>
    private static void WriteReference(Qwen3VLModel model, string path)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[]
        {
            9, 10, 3, 5, 5, 5, 5, 5, 5, 4, 11, 12, 13,
            0, 0, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
        }).view(2, 13);
        var mask = Scalars.NotEqual(ids, 0).to_type(ScalarType.Int64);
        using var generator = new Generator(63);
        var pixels = randn([24, 1536], generator: generator);
        var grids = tensor(new long[] { 1, 6, 4 }).view(1, 3);
        using var output = model.Forward(ids, mask, pixels, grids);
        SafetensorsFile.Write(path, new Dictionary<string, Tensor>
        {
            ["input_ids"] = ids, ["attention_mask"] = mask, ["pixel_values"] = pixels, ["image_grid_thw"] = grids,
            ["logits"] = output.Logits!, ["rope_deltas"] = output.RopeDeltas,
        });
    }
}
