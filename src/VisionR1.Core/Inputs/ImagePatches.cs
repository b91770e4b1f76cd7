namespace VisionR1.Inputs;

/// <summary>
/// Converts between a normalised image and the flattened patch rows the vision encoder takes,
/// in the order of Hugging Face's Qwen2-VL image processor: the frames are reshaped to
/// (t, 2, C, h/2, 2, 14, w/2, 2, 14) and permuted to (t, h/2, w/2, 2, 2, C, 2, 14, 14).
/// </summary>
public static class ImagePatches
{
    /// <summary>
    /// Patchifies one still image given as normalised planes (C = 3, H, W; H and W multiples of 28),
    /// repeating it to the 2 frames of a temporal patch. Returns the patch rows and the grid (1, H/14, W/14).
    /// </summary>
    public static (float[] Patches, int GridT, int GridH, int GridW) Patchify(ReadOnlySpan<float> chw, int height, int width)
    {
        CheckSize(height, width);
        if (chw.Length != VisionPatchLayout.Channels * height * width)
        {
            throw new ArgumentException($"Expected {VisionPatchLayout.Channels}×{height}×{width} values, got {chw.Length}.", nameof(chw));
        }

        int gh = height / VisionPatchLayout.PatchSize, gw = width / VisionPatchLayout.PatchSize;
        var patches = new float[gh * gw * VisionPatchLayout.PatchDim];
        var source = new PlaneBlocks(chw, height, width);
        Layout(height, width, patches, ref source);
        return (patches, 1, gh, gw);
    }

    /// <summary>
    /// Normalises and patchifies an 8-bit RGB still image (sides multiples of 28) in one pass, straight into
    /// <paramref name="destination"/> (H/14·W/14 × 1176 floats): the same values, bit for bit, as
    /// <see cref="Patchify"/> of <see cref="ImageProcessor.Normalize"/>, without the two intermediate float arrays.
    /// </summary>
    /// <exception cref="ArgumentException">The size is not a multiple of 28, or <paramref name="destination"/> has another length.</exception>
    public static void PatchifyRgb(RgbImage image, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckSize(image.Height, image.Width);
        int gh = image.Height / VisionPatchLayout.PatchSize, gw = image.Width / VisionPatchLayout.PatchSize;
        if (destination.Length != gh * gw * VisionPatchLayout.PatchDim)
        {
            throw new ArgumentException($"Expected room for {gh * gw * VisionPatchLayout.PatchDim} values, got {destination.Length}.", nameof(destination));
        }

        var source = new RgbBlocks(image);
        Layout(image.Height, image.Width, destination, ref source);
    }

    private static void CheckSize(int height, int width)
    {
        if (height % VisionPatchLayout.Factor != 0 || width % VisionPatchLayout.Factor != 0)
        {
            throw new ArgumentException($"Image size {width}×{height} is not a multiple of {VisionPatchLayout.Factor}.");
        }
    }

    /// <summary>Writes one channel's 14×14 block, rows top to bottom, of the still image at (<c>y0</c>, <c>x0</c>).</summary>
    private interface IBlockSource
    {
        void Write(int channel, int y0, int x0, Span<float> block);
    }

    /// <summary>
    /// The patch layout of a still image: for each patch in merge-block order and each channel, the 14×14 block from
    /// <paramref name="source"/>, repeated for every frame of the temporal patch.
    /// </summary>
    private static void Layout<TSource>(int height, int width, Span<float> destination, ref TSource source)
        where TSource : IBlockSource, allows ref struct
    {
        const int p = VisionPatchLayout.PatchSize;
        const int m = VisionPatchLayout.MergeSize;
        const int block = p * p;
        int gh = height / p, gw = width / p;
        var index = 0;
        for (var bh = 0; bh < gh / m; bh++)
        {
            for (var bw = 0; bw < gw / m; bw++)
            {
                for (var mh = 0; mh < m; mh++)
                {
                    for (var mw = 0; mw < m; mw++)
                    {
                        var y0 = ((bh * m) + mh) * p;
                        var x0 = ((bw * m) + mw) * p;
                        for (var ch = 0; ch < VisionPatchLayout.Channels; ch++)
                        {
                            var first = destination.Slice(index, block);
                            source.Write(ch, y0, x0, first);
                            index += block;
                            for (var t = 1; t < VisionPatchLayout.TemporalPatchSize; t++, index += block)
                            {
                                first.CopyTo(destination.Slice(index, block));
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Blocks copied from normalised planes (C, H, W).</summary>
    private readonly ref struct PlaneBlocks : IBlockSource
    {
        private readonly ReadOnlySpan<float> _chw;
        private readonly int _width;
        private readonly int _plane;

        public PlaneBlocks(ReadOnlySpan<float> chw, int height, int width)
        {
            _chw = chw;
            _width = width;
            _plane = height * width;
        }

        public void Write(int channel, int y0, int x0, Span<float> block)
        {
            const int p = VisionPatchLayout.PatchSize;
            for (var py = 0; py < p; py++)
            {
                _chw.Slice((channel * _plane) + ((y0 + py) * _width) + x0, p).CopyTo(block.Slice(py * p, p));
            }
        }
    }

    /// <summary>Blocks normalised from 8-bit RGB as <see cref="ImageProcessor.Normalize"/> does: v · (1 / (255·std)) − mean / std.</summary>
    private readonly struct RgbBlocks(RgbImage image) : IBlockSource
    {
        private static readonly float[] Scale = [.. Enumerable.Range(0, VisionPatchLayout.Channels).Select(c => 1f / (255f * VisionPatchLayout.Std[c]))];
        private static readonly float[] Shift = [.. Enumerable.Range(0, VisionPatchLayout.Channels).Select(c => VisionPatchLayout.Mean[c] / VisionPatchLayout.Std[c])];

        public void Write(int channel, int y0, int x0, Span<float> block)
        {
            const int p = VisionPatchLayout.PatchSize;
            float scale = Scale[channel], shift = Shift[channel];
            var px = image.Pixels;
            var index = 0;
            for (var py = 0; py < p; py++)
            {
                var src = ((((y0 + py) * image.Width) + x0) * 3) + channel;
                for (var x = 0; x < p; x++, src += 3)
                {
                    block[index++] = (px[src] * scale) - shift;
                }
            }
        }
    }

    /// <summary>
    /// The inverse of the patch layout: returns every frame as normalised planes,
    /// shaped (GridT·2, C, GridH·14, GridW·14) and flattened.
    /// </summary>
    public static float[] Unpatchify(ReadOnlySpan<float> patches, int gridT, int gridH, int gridW)
    {
        const int p = VisionPatchLayout.PatchSize;
        const int m = VisionPatchLayout.MergeSize;
        const int tps = VisionPatchLayout.TemporalPatchSize;
        const int c = VisionPatchLayout.Channels;
        if (gridH % m != 0 || gridW % m != 0)
        {
            throw new ArgumentException($"Grid {gridH}×{gridW} is not a multiple of the merge size {m}.");
        }

        if (patches.Length != gridT * gridH * gridW * VisionPatchLayout.PatchDim)
        {
            throw new ArgumentException($"Expected {gridT * gridH * gridW} patches of {VisionPatchLayout.PatchDim}, got {patches.Length} values.", nameof(patches));
        }

        int height = gridH * p, width = gridW * p, plane = height * width;
        var frames = new float[gridT * tps * c * plane];
        var index = 0;
        for (var gt = 0; gt < gridT; gt++)
        {
            for (var bh = 0; bh < gridH / m; bh++)
            {
                for (var bw = 0; bw < gridW / m; bw++)
                {
                    for (var mh = 0; mh < m; mh++)
                    {
                        for (var mw = 0; mw < m; mw++)
                        {
                            var y0 = ((bh * m) + mh) * p;
                            var x0 = ((bw * m) + mw) * p;
                            for (var ch = 0; ch < c; ch++)
                            {
                                for (var t = 0; t < tps; t++)
                                {
                                    var frame = (gt * tps) + t;
                                    for (var py = 0; py < p; py++)
                                    {
                                        patches.Slice(index, p).CopyTo(frames.AsSpan((((frame * c) + ch) * plane) + ((y0 + py) * width) + x0, p));
                                        index += p;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        return frames;
    }
}
