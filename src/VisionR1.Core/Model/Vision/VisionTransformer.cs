using VisionR1.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using VisionR1.Model.Config;
using VisionR1.Model.Layers;
using static TorchSharp.torch;

namespace VisionR1.Model.Vision;

/// <summary>
/// <c>visual</c>: patch embedding, window/full-attention blocks with 2-D rotary positions and
/// the patch merger. Maps (N, 1176) patches of images with grids (t, h, w) to one embedding
/// per merged 2×2 block, in the images' own order.
/// </summary>
internal sealed class VisionTransformer : nn.Module<Tensor, Tensor>
{
    public PatchEmbed patch_embed;
    public ModuleList<VisionBlock> blocks;
    public PatchMerger merger;
    private readonly VisionConfig _config;
    private readonly HashSet<int> _fullAttention;

    public VisionTransformer(VisionConfig config, Device device, ScalarType dtype) : base(nameof(VisionTransformer))
    {
        _config = config;
        _fullAttention = [.. config.FullAttentionBlockIndexes];
        patch_embed = new PatchEmbed(config, device, dtype);
        blocks = new ModuleList<VisionBlock>();
        for (int i = 0; i < config.Depth; i++) blocks.Add(new VisionBlock(config, device, dtype));
        merger = new PatchMerger(config, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => throw new NotSupportedException("Call Forward(pixels, grids).");

    /// <summary>Whether each block is checkpointed when gradients are on (set through <see cref="QwenVLModel.GradientCheckpointing"/>).</summary>
    internal bool CheckpointBlocks;

    /// <summary>pixels: (N, patch_dim); grids: (t, h, w) per image. Returns (N / merge_unit, out_hidden).</summary>
    public Tensor Forward(Tensor pixels, IReadOnlyList<(long T, long H, long W)> grids)
    {
        var layout = VisionLayout.Create(grids, _config);
        if (pixels.dim() != 2 || pixels.shape[0] != layout.PatchCount || pixels.shape[1] != _config.PatchDim)
            throw new ArgumentException(
                $"Pixel values have shape [{string.Join(", ", pixels.shape)}] but the image grids describe {layout.PatchCount} patches of {_config.PatchDim} values.");
        var device = pixels.device;
        using var windowPlan = new SegmentAttentionPlan(layout.WindowSegments, device);
        using var framePlan = new SegmentAttentionPlan(layout.FrameSegments, device);
        using var scope = NewDisposeScope();
        int unit = _config.SpatialMergeUnit;
        long n = layout.PatchCount;
        var windowIndex = tensor(layout.WindowIndex, device: device);

        var h = patch_embed.forward(pixels);
        long d = h.shape[1];
        h = h.view(n / unit, unit, d).index_select(0, windowIndex).view(n, d);

        var (cos, sin) = RotaryTables(layout.Rows, layout.Cols, _config.HeadDim, device);
        // (N, 1, 1, head_dim): broadcast over q|k and the heads, shaped once for every block.
        var c = cos.view(n, 1, 1, -1);
        var s = Text.MultimodalRotary.SignFoldedSin(sin).view(n, 1, 1, -1);
        h = LayerStack.Run(h, blocks.Count, (i, x) =>
        {
            var block = blocks[i];
            var segments = _fullAttention.Contains(i) ? layout.FrameSegments : layout.WindowSegments;
            // A checkpointed block builds its own plan on each run: the recomputation in backward outlives this call's plans.
            return CheckpointBlocks
                ? ActivationCheckpoint.Run(block, t =>
                {
                    using var plan = new SegmentAttentionPlan(segments, device);
                    return block.Forward(t[0]!, t[1]!, t[2]!, plan);
                }, x, c, s)
                : block.Forward(x, c, s, _fullAttention.Contains(i) ? framePlan : windowPlan);
        });

        var merged = merger.forward(h);
        var restore = windowIndex.argsort();
        return merged.index_select(0, restore).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// cos/sin (N, head_dim) fp32 of the 2-D rotary embedding for patches at (<paramref name="rows"/>, <paramref name="cols"/>):
    /// the row angles then the column angles, duplicated. Qwen2.5-VL and Qwen3-VL compute it alike.
    /// </summary>
    internal static (Tensor Cos, Tensor Sin) RotaryTables(long[] rows, long[] cols, int headDim, Device device)
    {
        using var scope = NewDisposeScope();
        int dim = headDim / 2;
        var invFreq = pow(10000.0, Scalars.Div(Scalars.Arange(0, dim, 2, ScalarType.Float32, device), dim)).reciprocal(); // 1 / 10000^(2i/d)
        long maxSide = Math.Max(rows.Max(), cols.Max()) + 1;
        var table = outer(Scalars.Arange(0, maxSide, 1, ScalarType.Float32, device), invFreq);
        var rowAngles = table.index_select(0, tensor(rows, device: device));
        var colAngles = table.index_select(0, tensor(cols, device: device));
        var emb = cat([rowAngles, colAngles], -1);
        emb = cat([emb, emb], -1);
        return (emb.cos().MoveToOuterDisposeScope(), emb.sin().MoveToOuterDisposeScope());
    }
}
