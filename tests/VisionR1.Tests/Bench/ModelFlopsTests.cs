using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Qwen3VL;
using VisionR1.Runtime;
using VisionR1.Diagnostics;

namespace VisionR1.Tests.Bench;

public sealed class ModelFlopsTests
{
    public ModelFlopsTests() => VisionR1Runtime.Initialize("cpu");

    [Fact]
    public void Matmul_parameter_counts_match_the_built_models_matrices()
    {
        var config = Qwen25VLPresets.Small;
        using var model = new Qwen25VLModel(config, TorchSharp.torch.META);
        var named = model.named_parameters().ToList();
        long Sum(Func<string, bool> keep) => named.Where(p => keep(p.name) && p.parameter.dim() >= 2).Sum(p => p.parameter.numel());

        // The tied LM head is the embedding matrix.
        Assert.Equal(Sum(n => n.StartsWith("model.", StringComparison.Ordinal)), ModelFlops.TextMatmulParameters(config.Text));
        Assert.Equal(Sum(n => n.StartsWith("visual.", StringComparison.Ordinal) && !n.StartsWith("visual.merger.", StringComparison.Ordinal)),
            ModelFlops.VisionPatchMatmulParameters(config.Vision));
        Assert.Equal(Sum(n => n.StartsWith("visual.merger.", StringComparison.Ordinal)), ModelFlops.VisionMergedMatmulParameters(config.Vision));
    }

    [Fact]
    public void Forward_flops_add_attention_and_the_vision_tower_and_a_step_is_three_forwards()
    {
        var config = Qwen25VLPresets.Small;
        var text = config.Text;
        double oneToken = ModelFlops.Forward(config, 1, 1, []);
        Assert.Equal(2.0 * ModelFlops.TextMatmulParameters(text) + 4.0 * text.NumHiddenLayers * text.HiddenSize, oneToken);

        double rows = ModelFlops.Forward(config, 4, 128, []);
        Assert.Equal(4 * 128 * 2.0 * ModelFlops.TextMatmulParameters(text) + 4.0 * text.NumHiddenLayers * text.HiddenSize * 128 * 128 * 4, rows);

        // One 8×8-patch image is exactly one 112-pixel window: every block attends over its 64 patches.
        double withImage = ModelFlops.Forward(config, 4, 128, [(8, 8)]);
        var v = config.Vision;
        double vision = 64 * 2.0 * ModelFlops.VisionPatchMatmulParameters(v) + 16 * 2.0 * ModelFlops.VisionMergedMatmulParameters(v)
                        + v.Depth * 4.0 * v.HiddenSize * 64 * 64;
        Assert.Equal(rows + vision, withImage, 6);
        Assert.Equal(3 * withImage, ModelFlops.TrainingStep(config, 4, 128, [(8, 8)]), 6);

        // A 16×16 image: window blocks attend within four 64-patch windows, full blocks over all 256 patches.
        double big = ModelFlops.Forward(config, 1, 1, [(16, 16)]) - oneToken;
        int full = v.FullAttentionBlockIndexes.Count;
        double expected = 256 * 2.0 * ModelFlops.VisionPatchMatmulParameters(v) + 64 * 2.0 * ModelFlops.VisionMergedMatmulParameters(v)
                          + full * 4.0 * v.HiddenSize * 256 * 256 + (v.Depth - full) * 4.0 * v.HiddenSize * 4 * 64 * 64;
        Assert.Equal(expected, big, 6);
    }

    [Fact]
    public void Qwen3_vl_matmul_parameter_counts_match_the_built_models_matrices()
    {
        var config = Qwen3VLPresets.Small;
        using var model = new Qwen3VLModel(config, TorchSharp.torch.META);
        var named = model.named_parameters().ToList();
        long Sum(Func<string, bool> keep) => named.Where(p => keep(p.name) && p.parameter.dim() >= 2).Sum(p => p.parameter.numel());
        bool Merger(string n) => n.StartsWith("model.visual.merger.", StringComparison.Ordinal) || n.StartsWith("model.visual.deepstack_merger_list.", StringComparison.Ordinal);

        // The tied LM head is the embedding matrix; the learned position table is looked up, not multiplied.
        Assert.Equal(Sum(n => n.StartsWith("model.language_model.", StringComparison.Ordinal)), ModelFlops.TextMatmulParameters(config.Text));
        Assert.Equal(Sum(n => n.StartsWith("model.visual.", StringComparison.Ordinal) && !Merger(n) && n != "model.visual.pos_embed.weight"),
            ModelFlops.VisionPatchMatmulParameters(config.Vision));
        Assert.Equal(Sum(Merger), ModelFlops.VisionMergedMatmulParameters(config.Vision));

        using var untied = new Qwen3VLModel(Qwen3VLPresets.Tiny with { Text = Qwen3VLPresets.Tiny.Text with { TieWordEmbeddings = false } }, TorchSharp.torch.META);
        long withHead = untied.named_parameters().Where(p => !p.name.StartsWith("model.visual.", StringComparison.Ordinal) && p.parameter.dim() >= 2
            && p.name != "model.language_model.embed_tokens.weight").Sum(p => p.parameter.numel());
        Assert.Equal(withHead, ModelFlops.TextMatmulParameters(Qwen3VLPresets.Tiny.Text));
    }

    [Fact]
    public void Qwen3_vl_vision_blocks_all_attend_over_the_whole_image()
    {
        var config = Qwen3VLPresets.Small;
        var v = config.Vision;
        double oneToken = ModelFlops.Forward(config, 1, 1, []);
        Assert.Equal(2.0 * ModelFlops.TextMatmulParameters(config.Text) + 4.0 * config.Text.NumHiddenLayers * config.Text.NumAttentionHeads * config.Text.HeadDim, oneToken);
        double big = ModelFlops.Forward(config, 1, 1, [(16, 16)]) - oneToken;
        double expected = 256 * 2.0 * ModelFlops.VisionPatchMatmulParameters(v) + 64 * 2.0 * ModelFlops.VisionMergedMatmulParameters(v)
                          + v.Depth * 4.0 * v.HiddenSize * 256 * 256;
        Assert.Equal(expected, big, 6);
        Assert.Equal(3 * ModelFlops.Forward(config, 2, 64, [(8, 8)]), ModelFlops.TrainingStep(config, 2, 64, [(8, 8)]), 6);
    }
}
