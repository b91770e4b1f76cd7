using VisionR1.Model;
using VisionR1.Model.Checkpoints;
using VisionR1.Model.Qwen3VL;
using VisionR1.Runtime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VisionR1.Tests.Parity;

/// <summary>
/// A Qwen3-VL folder that transformers initialised and wrote with <c>save_pretrained</c> (bf16, sharded, its own
/// config.json) loads through <see cref="QwenVLModel.FromPretrained"/> and computes transformers' logits. The folder ships
/// in Fixtures/qwen3vl-from-transformers (written by tools/parity/check_qwen3vl_roundtrip.py --write-transformers), so
/// this always runs; the opposite direction is Qwen3VLHarnessExportTests with the same script.
/// </summary>
public sealed class Qwen3VLTransformersCheckpointTests(ITestOutputHelper output)
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "Fixtures", "qwen3vl-from-transformers", "untied-sharded");

    [Fact]
    public void A_folder_saved_by_transformers_loads_through_the_family_dispatch_and_gives_its_logits()
    {
        VisionR1Runtime.Initialize("cpu");
        Assert.True(File.Exists(Path.Combine(Folder, CheckpointLoader.IndexFile)));
        using var model = QwenVLModel.FromPretrained(Folder);
        var q3 = Assert.IsType<Qwen3VLModel>(model);
        Assert.False(q3.Config.Text.TieWordEmbeddings);
        Assert.Equal(0.2, q3.Config.InitializerRange);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var file = SafetensorsFile.Open(Path.Combine(Folder, "reference.safetensors"));
        var mask = file.Read("attention_mask");
        using var result = model.Forward(file.Read("input_ids"), mask, file.Read("pixel_values"), file.Read("image_grid_thw"));
        var expected = file.Read("logits");
        var real = mask.to_type(ScalarType.Bool).unsqueeze(-1).expand_as(expected);
        float diff = (result.Logits! - expected).abs().masked_select(real).max().item<float>();
        float scale = expected.abs().masked_select(real).max().item<float>();
        output.WriteLine($"max |Δlogits| {diff:E2} (largest |logit| {scale:F3})");
        Assert.True(scale > 1f, $"reference logits too small to compare ({scale})");
        Assert.True(diff <= 1e-4f * scale, $"max |Δlogits| {diff} against transformers (largest {scale})");
        Assert.Equal(file.Read("rope_deltas").data<long>().ToArray(), result.RopeDeltas.data<long>().ToArray());
    }
}
