using TorchSharp;
using TorchSharp.Modules;
using VisionR1.Model.Layers;
using VisionR1.Model.Text;
using Embedding = VisionR1.Model.Text.Embedding;
using VisionR1.Model.Vision;
using static TorchSharp.torch;

namespace VisionR1.Model.Qwen3VL;

/// <summary>
/// <c>model.visual</c>: patch embedding (a Conv3d over 2×16×16 patches, with bias) plus the learned position table
/// interpolated to each grid, blocks with 2-D rotary positions and full attention within each frame, the patch merger, and
/// the DeepStack mergers applied to the outputs of the blocks named by <c>deepstack_visual_indexes</c>.
/// </summary>
internal sealed class VisionModel : nn.Module<Tensor, Tensor>
{
    public PatchEmbed patch_embed;
    public Embedding pos_embed;
    public ModuleList<VisionBlock> blocks;
    public VisionPatchMerger merger;
    public ModuleList<VisionPatchMerger> deepstack_merger_list;
    private readonly Qwen3VLVisionConfig _config;

    public VisionModel(Qwen3VLVisionConfig config, Device device, ScalarType dtype) : base(nameof(VisionModel))
    {
        _config = config;
        patch_embed = new PatchEmbed(config.HiddenSize, config.InChannels, config.TemporalPatchSize, config.PatchSize, true, device, dtype);
        pos_embed = new Embedding(config.NumPositionEmbeddings, config.HiddenSize, device, dtype);
        blocks = new ModuleList<VisionBlock>();
        for (int i = 0; i < config.Depth; i++) blocks.Add(new VisionBlock(config, device, dtype));
        merger = new VisionPatchMerger(config, false, device, dtype);
        deepstack_merger_list = new ModuleList<VisionPatchMerger>();
        for (int i = 0; i < config.DeepstackVisualIndexes.Count; i++) deepstack_merger_list.Add(new VisionPatchMerger(config, true, device, dtype));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => throw new NotSupportedException("Call Forward(pixels, grids).");

    /// <summary>Whether each block is checkpointed when gradients are on (set through <see cref="Qwen3VLModel.GradientCheckpointing"/>).</summary>
    internal bool CheckpointBlocks;

    /// <summary>
    /// pixels: (N, patch_dim) in the processor's order; grids: (t, h, w) per image. Returns the merged embeddings
    /// (N / merge_unit, out_hidden) and one DeepStack feature tensor of the same shape per deepstack index, in order.
    /// </summary>
    /// <exception cref="ArgumentException">The pixel shape disagrees with the grids (both named), or a grid is invalid.</exception>
    public (Tensor Embeds, Tensor[] Deepstack) Forward(Tensor pixels, IReadOnlyList<(long T, long H, long W)> grids)
    {
        var layout = VisionPatchLayout.Create(grids, _config.SpatialMergeSize, _config.PositionGridSide);
        if (pixels.dim() != 2 || pixels.shape[0] != layout.PatchCount || pixels.shape[1] != _config.PatchDim)
            throw new ArgumentException(
                $"Pixel values have shape [{string.Join(", ", pixels.shape)}] but the image grids describe {layout.PatchCount} patches of {_config.PatchDim} values.");
        var device = pixels.device;
        using var frames = new SegmentAttentionPlan(layout.FrameSegments, device);
        using var scope = NewDisposeScope();
        long n = layout.PatchCount;
        var h = patch_embed.forward(pixels);
        h = h + PositionEmbeddings(layout, device);

        var (cos, sin) = VisionTransformer.RotaryTables(layout.Rows, layout.Cols, _config.HeadDim, device);
        var c = cos.view(n, 1, 1, -1);
        var s = MultimodalRotary.SignFoldedSin(sin).view(n, 1, 1, -1);
        var deepstack = new Tensor[_config.DeepstackVisualIndexes.Count];
        h = LayerStack.Run(h, blocks.Count, (i, x) =>
        {
            var block = blocks[i];
            // A checkpointed block builds its own plan on each run: the recomputation in backward outlives this call's plan.
            var y = CheckpointBlocks
                ? ActivationCheckpoint.Run(block, a =>
                {
                    using var plan = new SegmentAttentionPlan(layout.FrameSegments, device);
                    return block.Forward(a[0]!, a[1]!, a[2]!, plan);
                }, x, c, s)
                : block.Forward(x, c, s, frames);
            int k = IndexOf(_config.DeepstackVisualIndexes, i);
            if (k >= 0) deepstack[k] = deepstack_merger_list[k].forward(y);
            return y;
        });
        var embeds = merger.forward(h);
        foreach (var d in deepstack) d.MoveToOuterDisposeScope();
        return (embeds.MoveToOuterDisposeScope(), deepstack);
    }

    /// <summary>(N, hidden): the bilinear mix of the four table rows around each patch, summed corner by corner in order.</summary>
    private Tensor PositionEmbeddings(VisionPatchLayout layout, Device device)
    {
        using var scope = NewDisposeScope();
        long n = layout.PatchCount;
        var table = pos_embed.weight;
        var rows = table.index_select(0, tensor(layout.CornerIndex, device: device)).view(4, n, -1);
        var weights = tensor(layout.CornerWeight, device: device).to_type(table.dtype).view(4, n, 1);
        var mixed = rows * weights;
        var sum = mixed[0] + mixed[1] + mixed[2] + mixed[3];
        return sum.MoveToOuterDisposeScope();
    }

    private static int IndexOf(IReadOnlyList<int> list, int value)
    {
        for (int i = 0; i < list.Count; i++)
            if (list[i] == value) return i;
        return -1;
    }
}
