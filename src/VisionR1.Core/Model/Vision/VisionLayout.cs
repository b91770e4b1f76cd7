using VisionR1.Model.Config;

namespace VisionR1.Model.Vision;

/// <summary>
/// Index bookkeeping of the vision encoder for one batch of images, computed on the host:
/// each patch's (row, column), the window order of the merged tokens and the attention
/// segments (windows, and whole frames for the full-attention blocks).
/// Patches arrive grouped by 2×2 merge blocks (the processor's order): merged row, merged
/// column, then the row and column inside the block.
/// </summary>
internal sealed class VisionLayout
{
    /// <summary>Patch rows in window order (one per patch).</summary>
    public required long[] Rows { get; init; }

    /// <summary>Patch columns in window order.</summary>
    public required long[] Cols { get; init; }

    /// <summary>For each merged token in window order, its index in the input order.</summary>
    public required long[] WindowIndex { get; init; }

    /// <summary>Lengths (in patches) of the attention windows, in window order; empty windows dropped.</summary>
    public required int[] WindowSegments { get; init; }

    /// <summary>Lengths (in patches) of whole frames, for the full-attention blocks.</summary>
    public required int[] FrameSegments { get; init; }

    /// <summary>Total patches.</summary>
    public long PatchCount => Rows.Length;

    public static VisionLayout Create(IReadOnlyList<(long T, long H, long W)> grids, VisionConfig config)
    {
        int m = config.SpatialMergeSize;
        int unit = config.SpatialMergeUnit;
        int side = config.MergedWindowSide;
        var rows = new List<long>();
        var cols = new List<long>();
        var windowIndex = new List<long>();
        var windows = new List<int>();
        var frames = new List<int>();
        long offset = 0;
        for (int i = 0; i < grids.Count; i++)
        {
            var (t, h, w) = grids[i];
            if (t <= 0 || h <= 0 || w <= 0 || h % m != 0 || w % m != 0)
                throw new ArgumentException($"Image {i}: grid (t={t}, h={h}, w={w}) must be positive with h and w divisible by spatial_merge_size {m}.");
            long mh = h / m, mw = w / m;
            for (long f = 0; f < t; f++)
            {
                frames.Add(checked((int)(h * w)));
                long frameBase = offset + f * mh * mw;
                for (long wr = 0; wr < mh; wr += side)
                for (long wc = 0; wc < mw; wc += side)
                {
                    int count = 0;
                    for (long r = wr; r < Math.Min(wr + side, mh); r++)
                    for (long c = wc; c < Math.Min(wc + side, mw); c++)
                    {
                        windowIndex.Add(frameBase + r * mw + c);
                        count++;
                        for (int dr = 0; dr < m; dr++)
                        for (int dc = 0; dc < m; dc++)
                        {
                            rows.Add(r * m + dr);
                            cols.Add(c * m + dc);
                        }
                    }
                    windows.Add(count * unit);
                }
            }
            offset += t * mh * mw;
        }
        return new VisionLayout
        {
            Rows = rows.ToArray(),
            Cols = cols.ToArray(),
            WindowIndex = windowIndex.ToArray(),
            WindowSegments = windows.ToArray(),
            FrameSegments = frames.ToArray(),
        };
    }
}
