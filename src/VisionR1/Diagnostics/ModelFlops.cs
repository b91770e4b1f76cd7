using VisionR1.Model.Config;
using VisionR1.Model.Qwen3VL;

namespace VisionR1.Diagnostics;

/// <summary>
/// Model FLOPs of Qwen2.5-VL and Qwen3-VL counted from their configurations: a multiply-add is 2 FLOPs, a forward
/// costs 2·(weights of every matrix product)·(rows it is applied to) plus the attention products
/// (QKᵀ and AV, full square, causal masking not discounted), and forward + backward is three
/// forwards (the usual 6·N·T + attention terms). Embedding look-ups, norms and element-wise work are not
/// counted: MFU counts the useful matrix work only. Qwen2.5-VL's vision blocks attend within windows except the
/// full-attention ones; Qwen3-VL's all attend over the whole image, and its DeepStack mergers run over the merged tokens
/// next to the main merger (their adds into the decoder, the q/k norms and the learned position mix are element-wise).
/// </summary>
public static class ModelFlops
{
    /// <summary>Matrix weights applied to each text token: q, k, v, o and the SwiGLU MLP of every layer, and the LM head.</summary>
    public static long TextMatmulParameters(TextConfig text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return DecoderMatmulParameters(text.HiddenSize, text.HeadDim, text.NumAttentionHeads, text.NumKeyValueHeads, text.IntermediateSize,
            text.NumHiddenLayers, text.VocabSize);
    }

    /// <summary>Matrix weights applied to each text token of Qwen3-VL: q, k, v, o and the SwiGLU MLP of every layer, and the LM head.</summary>
    public static long TextMatmulParameters(Qwen3VLTextConfig text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return DecoderMatmulParameters(text.HiddenSize, text.HeadDim, text.NumAttentionHeads, text.NumKeyValueHeads, text.IntermediateSize,
            text.NumHiddenLayers, text.VocabSize);
    }

    private static long DecoderMatmulParameters(long d, long hd, long heads, long kvHeads, long intermediate, long layers, long vocab)
    {
        long attention = d * heads * hd + 2 * d * kvHeads * hd + heads * hd * d;
        long mlp = 3 * d * intermediate;
        return layers * (attention + mlp) + vocab * d;
    }

    /// <summary>Matrix weights applied to each image patch: the patch embedding and every block's qkv, proj and SwiGLU MLP.</summary>
    public static long VisionPatchMatmulParameters(VisionConfig vision)
    {
        ArgumentNullException.ThrowIfNull(vision);
        return PatchMatmulParameters(vision.PatchDim, vision.HiddenSize, vision.Depth, 3L * vision.IntermediateSize);
    }

    /// <summary>Matrix weights applied to each merged (2×2) image token: the merger's two products.</summary>
    public static long VisionMergedMatmulParameters(VisionConfig vision)
    {
        ArgumentNullException.ThrowIfNull(vision);
        return MergerMatmulParameters(vision.HiddenSize, vision.SpatialMergeUnit, vision.OutHiddenSize);
    }

    /// <summary>Matrix weights applied to each Qwen3-VL image patch: the patch embedding and every block's qkv, proj, fc1 and fc2.</summary>
    public static long VisionPatchMatmulParameters(Qwen3VLVisionConfig vision)
    {
        ArgumentNullException.ThrowIfNull(vision);
        return PatchMatmulParameters(vision.PatchDim, vision.HiddenSize, vision.Depth, 2L * vision.IntermediateSize);
    }

    /// <summary>Matrix weights applied to each merged (2×2) Qwen3-VL image token: the two products of the merger and of each DeepStack merger.</summary>
    public static long VisionMergedMatmulParameters(Qwen3VLVisionConfig vision)
    {
        ArgumentNullException.ThrowIfNull(vision);
        return (1 + vision.DeepstackVisualIndexes.Count) * MergerMatmulParameters(vision.HiddenSize, vision.SpatialMergeUnit, vision.OutHiddenSize);
    }

    /// <summary>The patch embedding and <paramref name="depth"/> blocks of qkv, proj and an MLP holding d·<paramref name="mlpWidths"/> weights (3I for SwiGLU, 2I for fc1 and fc2).</summary>
    private static long PatchMatmulParameters(long patchDim, long d, int depth, long mlpWidths) =>
        patchDim * d + depth * (d * 3 * d + d * d + d * mlpWidths);

    /// <summary>One merger's two products: (hidden·merge unit)² and (hidden·merge unit) × out.</summary>
    private static long MergerMatmulParameters(long hidden, int mergeUnit, long outHidden)
    {
        long merged = hidden * mergeUnit;
        return merged * merged + merged * outHidden;
    }

    /// <summary>Forward FLOPs of a batch of <paramref name="rows"/> sequences of <paramref name="length"/> tokens and the given still images (grids in patches).</summary>
    public static double Forward(Qwen25VLConfig config, int rows, int length, IReadOnlyList<(int H, int W)> images)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (text, vision) = (config.Text, config.Vision);
        return Forward(TextMatmulParameters(text), text.NumHiddenLayers, text.NumAttentionHeads, text.HeadDim, rows, length, images,
            VisionPatchMatmulParameters(vision), VisionMergedMatmulParameters(vision), vision.SpatialMergeUnit, (flops, h, w, patches) =>
            {
                double fullSquares = patches * patches;
                double windowSquares = WindowSquares(vision, h, w);
                for (int block = 0; block < vision.Depth; block++)
                {
                    double squares = vision.FullAttentionBlockIndexes.Contains(block) ? fullSquares : windowSquares;
                    flops += 4.0 * vision.HiddenSize * squares;
                }
                return flops;
            });
    }

    /// <summary>Forward + backward FLOPs (three forwards).</summary>
    public static double TrainingStep(Qwen25VLConfig config, int rows, int length, IReadOnlyList<(int H, int W)> images) =>
        3.0 * Forward(config, rows, length, images);

    /// <summary>Forward FLOPs of a Qwen3-VL batch of <paramref name="rows"/> sequences of <paramref name="length"/> tokens and the given still images (grids in patches); every vision block attends over the whole image.</summary>
    public static double Forward(Qwen3VLConfig config, int rows, int length, IReadOnlyList<(int H, int W)> images)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (text, vision) = (config.Text, config.Vision);
        return Forward(TextMatmulParameters(text), text.NumHiddenLayers, text.NumAttentionHeads, text.HeadDim, rows, length, images,
            VisionPatchMatmulParameters(vision), VisionMergedMatmulParameters(vision), vision.SpatialMergeUnit,
            (flops, _, _, patches) => flops + vision.Depth * 4.0 * vision.HiddenSize * patches * patches);
    }

    /// <summary>Forward + backward FLOPs of a Qwen3-VL batch (three forwards).</summary>
    public static double TrainingStep(Qwen3VLConfig config, int rows, int length, IReadOnlyList<(int H, int W)> images) =>
        3.0 * Forward(config, rows, length, images);

    /// <summary>
    /// The decoder over rows × length tokens, then per image its patch-wise products, its merged-token products and
    /// <paramref name="addAttention"/>(flops so far, h, w, patches), added in that order.
    /// </summary>
    private static double Forward(long textMatmul, int layers, int heads, int headDim, int rows, int length, IReadOnlyList<(int H, int W)> images,
        long patchMatmul, long mergedMatmul, int mergeUnit, Func<double, int, int, double, double> addAttention)
    {
        ArgumentNullException.ThrowIfNull(images);
        double flops = TextForward(textMatmul, layers, heads, headDim, rows, length);
        foreach (var (h, w) in images)
        {
            double patches = (double)h * w;
            flops += 2.0 * patchMatmul * patches;
            flops += 2.0 * mergedMatmul * patches / mergeUnit;
            flops = addAttention(flops, h, w, patches);
        }
        return flops;
    }

    /// <summary>The decoder's matrix products over rows × length tokens plus QKᵀ and AV: 2·T²·head_dim each, per head, per layer, per row.</summary>
    private static double TextForward(long matmulParameters, int layers, int heads, int headDim, int rows, int length) =>
        2.0 * matmulParameters * ((double)rows * length) + 4.0 * layers * heads * headDim * (double)length * length * rows;

    /// <summary>Σ (patches per attention window)² for one h×w image: windows are tiles of MergedWindowSide merged tokens.</summary>
    private static double WindowSquares(VisionConfig vision, int h, int w)
    {
        int merge = vision.SpatialMergeSize;
        int side = vision.MergedWindowSide;
        int mh = h / merge, mw = w / merge;
        double sum = 0;
        for (int r = 0; r < mh; r += side)
            for (int c = 0; c < mw; c += side)
            {
                double size = (double)Math.Min(side, mh - r) * Math.Min(side, mw - c) * vision.SpatialMergeUnit;
                sum += size * size;
            }
        return sum;
    }
}
