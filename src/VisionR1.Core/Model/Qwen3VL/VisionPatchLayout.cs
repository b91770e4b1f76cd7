using static TorchSharp.torch;

namespace VisionR1.Model.Qwen3VL;

/// <summary>
/// Host-side bookkeeping of the Qwen3-VL vision encoder for one batch of images, in the processor's patch order (per
/// frame: merged row, merged column, then the row and column inside the 2×2 block): each patch's (row, column), the
/// frame lengths that bound attention, and the bilinear interpolation of the learned position table to each grid
/// (the four corner rows of the table and their weights, as transformers' <c>fast_pos_embed_interpolate</c> computes them).
/// </summary>
internal sealed class VisionPatchLayout
{
    /// <summary>Patch rows (one per patch).</summary>
    public required long[] Rows { get; init; }

    /// <summary>Patch columns.</summary>
    public required long[] Cols { get; init; }

    /// <summary>Lengths (in patches) of the frames; attention stays inside each.</summary>
    public required int[] FrameSegments { get; init; }

    /// <summary>(4·N) rows of the position table: corner k of patch i at k·N + i (top-left, top-right, bottom-left, bottom-right).</summary>
    public required long[] CornerIndex { get; init; }

    /// <summary>(4·N) fp32 bilinear weights in the layout of <see cref="CornerIndex"/>.</summary>
    public required float[] CornerWeight { get; init; }

    /// <summary>Total patches.</summary>
    public long PatchCount => Rows.Length;

    /// <param name="grids">(t, h, w) patch grid of each image.</param>
    /// <param name="mergeSize">spatial_merge_size.</param>
    /// <param name="gridSide">Side of the learned position grid (√num_position_embeddings).</param>
    /// <exception cref="ArgumentException">A grid is not positive or not divisible by the merge size (image named).</exception>
    public static VisionPatchLayout Create(IReadOnlyList<(long T, long H, long W)> grids, int mergeSize, int gridSide)
    {
        int m = mergeSize;
        var rows = new List<long>();
        var cols = new List<long>();
        var frames = new List<int>();
        var corners = new List<long>[4];
        var weights = new List<float>[4];
        for (int k = 0; k < 4; k++)
        {
            corners[k] = [];
            weights[k] = [];
        }
        for (int i = 0; i < grids.Count; i++)
        {
            var (t, h, w) = grids[i];
            if (t <= 0 || h <= 0 || w <= 0 || h % m != 0 || w % m != 0)
                throw new ArgumentException($"Image {i}: grid (t={t}, h={h}, w={w}) must be positive with h and w divisible by spatial_merge_size {m}.");
            var (rowLow, rowHigh, rowFrac) = Axis(h, gridSide);
            var (colLow, colHigh, colFrac) = Axis(w, gridSide);
            for (long f = 0; f < t; f++)
            {
                frames.Add(checked((int)(h * w)));
                for (long br = 0; br < h / m; br++)
                for (long bc = 0; bc < w / m; bc++)
                for (int dr = 0; dr < m; dr++)
                for (int dc = 0; dc < m; dc++)
                {
                    long r = (br * m) + dr, c = (bc * m) + dc;
                    rows.Add(r);
                    cols.Add(c);
                    float dh = rowFrac[r], dw = colFrac[c];
                    corners[0].Add((rowLow[r] * gridSide) + colLow[c]);
                    corners[1].Add((rowLow[r] * gridSide) + colHigh[c]);
                    corners[2].Add((rowHigh[r] * gridSide) + colLow[c]);
                    corners[3].Add((rowHigh[r] * gridSide) + colHigh[c]);
                    // fp32 products, as transformers forms them from fp32 fractions.
                    weights[0].Add((1f - dh) * (1f - dw));
                    weights[1].Add((1f - dh) * dw);
                    weights[2].Add(dh * (1f - dw));
                    weights[3].Add(dh * dw);
                }
            }
        }
        return new VisionPatchLayout
        {
            Rows = [.. rows],
            Cols = [.. cols],
            FrameSegments = [.. frames],
            CornerIndex = [.. corners.SelectMany(c => c)],
            CornerWeight = [.. weights.SelectMany(c => c)],
        };
    }

    /// <summary>
    /// For <paramref name="count"/> patches along one side: the fp32 sample points linspace(0, side − 1, count) (libtorch's own
    /// linspace, so the points are bit-equal), their lower and upper table rows and the fractional part.
    /// </summary>
    internal static (long[] Low, long[] High, float[] Fraction) Axis(long count, int side)
    {
        using var points = linspace(0, side - 1, count, ScalarType.Float32);
        var p = points.data<float>().ToArray();
        var low = new long[count];
        var high = new long[count];
        var fraction = new float[count];
        for (long i = 0; i < count; i++)
        {
            low[i] = (long)p[i]; // truncation, as .int() does; the points are non-negative
            high[i] = Math.Min(low[i] + 1, side - 1);
            fraction[i] = p[i] - low[i];
        }
        return (low, high, fraction);
    }
}
