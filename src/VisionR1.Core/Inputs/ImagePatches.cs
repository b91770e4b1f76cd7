namespace VisionR1.Inputs;

/// <summary>
/// Converts between a normalised image and the flattened patch rows the vision encoder takes, in the order of
/// Hugging Face's Qwen2-VL image processor (which Qwen2.5-VL and Qwen3-VL share): with patch side p, temporal patch T
/// and merge m (<see cref="VisionPatchGeometry"/>), the frames are reshaped to (t, T, C, h/m, m, p, w/m, m, p) and
/// permuted to (t, h/m, w/m, m, m, C, T, p, p). Every method takes the geometry; null means
/// <see cref="VisionPatchGeometry.Qwen25VL"/>.
/// </summary>
public static class ImagePatches
{
    /// <summary>
    /// Patchifies one still image given as normalised planes (C = 3, H, W; H and W multiples of patch × merge),
    /// repeating it to the frames of a temporal patch. Returns the patch rows and the grid (1, H/p, W/p).
    /// </summary>
    /// <exception cref="ArgumentException">The size is not a multiple of patch × merge, or the values do not fill it.</exception>
    public static (float[] Patches, int GridT, int GridH, int GridW) Patchify(ReadOnlySpan<float> chw, int height, int width, VisionPatchGeometry? geometry = null)
    {
        var g = geometry ?? VisionPatchGeometry.Qwen25VL;
        CheckSize(height, width, g);
        if (chw.Length != VisionPatchGeometry.Channels * height * width)
        {
            throw new ArgumentException($"Expected {VisionPatchGeometry.Channels}×{height}×{width} values, got {chw.Length}.", nameof(chw));
        }

        int gh = height / g.PatchSize, gw = width / g.PatchSize;
        var patches = new float[gh * gw * g.PatchDim];
        var source = new PlaneBlocks(chw, height, width, g.PatchSize);
        Layout(height, width, g, patches, ref source);
        return (patches, 1, gh, gw);
    }

    /// <summary>
    /// Normalises and patchifies an 8-bit RGB still image (sides multiples of patch × merge) in one pass, straight into
    /// <paramref name="destination"/> (H/p·W/p × <see cref="VisionPatchGeometry.PatchDim"/> floats): the same values, bit
    /// for bit, as <see cref="Patchify"/> of <see cref="ImageProcessor.Normalize"/>, without the two intermediate float arrays.
    /// </summary>
    /// <exception cref="ArgumentException">The size is not a multiple of patch × merge, or <paramref name="destination"/> has another length.</exception>
    public static void PatchifyRgb(RgbImage image, Span<float> destination, VisionPatchGeometry? geometry = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var g = geometry ?? VisionPatchGeometry.Qwen25VL;
        CheckSize(image.Height, image.Width, g);
        int gh = image.Height / g.PatchSize, gw = image.Width / g.PatchSize;
        if (destination.Length != gh * gw * g.PatchDim)
        {
            throw new ArgumentException($"Expected room for {gh * gw * g.PatchDim} values, got {destination.Length}.", nameof(destination));
        }

        var source = new RgbBlocks(image, g);
        Layout(image.Height, image.Width, g, destination, ref source);
    }

    private static void CheckSize(int height, int width, VisionPatchGeometry geometry)
    {
        if (height % geometry.Factor != 0 || width % geometry.Factor != 0)
        {
            throw new ArgumentException($"Image size {width}×{height} is not a multiple of {geometry.Factor}.");
        }
    }

    /// <summary>Writes one channel's p×p block, rows top to bottom, of the still image at (<c>y0</c>, <c>x0</c>).</summary>
    private interface IBlockSource
    {
        void Write(int channel, int y0, int x0, Span<float> block);
    }

    /// <summary>
    /// The patch layout of a still image: for each patch in merge-block order and each channel, the p×p block from
    /// <paramref name="source"/>, repeated for every frame of the temporal patch.
    /// </summary>
    private static void Layout<TSource>(int height, int width, VisionPatchGeometry geometry, Span<float> destination, ref TSource source)
        where TSource : IBlockSource, allows ref struct
    {
        int p = geometry.PatchSize, m = geometry.MergeSize, block = p * p;
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
                        for (var ch = 0; ch < VisionPatchGeometry.Channels; ch++)
                        {
                            var first = destination.Slice(index, block);
                            source.Write(ch, y0, x0, first);
                            index += block;
                            for (var t = 1; t < geometry.TemporalPatchSize; t++, index += block)
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
        private readonly int _patch;

        public PlaneBlocks(ReadOnlySpan<float> chw, int height, int width, int patch)
        {
            _chw = chw;
            _width = width;
            _plane = height * width;
            _patch = patch;
        }

        public void Write(int channel, int y0, int x0, Span<float> block)
        {
            var p = _patch;
            for (var py = 0; py < p; py++)
            {
                _chw.Slice((channel * _plane) + ((y0 + py) * _width) + x0, p).CopyTo(block.Slice(py * p, p));
            }
        }
    }

    /// <summary>Blocks normalised from 8-bit RGB as <see cref="ImageProcessor.Normalize"/> does: v · (1 / (255·std)) − mean / std.</summary>
    private readonly struct RgbBlocks : IBlockSource
    {
        private readonly RgbImage _image;
        private readonly int _patch;
        private readonly float[] _scale;
        private readonly float[] _shift;

        public RgbBlocks(RgbImage image, VisionPatchGeometry geometry)
        {
            _image = image;
            _patch = geometry.PatchSize;
            (_scale, _shift) = ImageProcessor.NormalizationCoefficients(geometry);
        }

        public void Write(int channel, int y0, int x0, Span<float> block)
        {
            var p = _patch;
            float scale = _scale[channel], shift = _shift[channel];
            var px = _image.Pixels;
            var width = _image.Width;
            var index = 0;
            for (var py = 0; py < p; py++)
            {
                var src = ((((y0 + py) * width) + x0) * 3) + channel;
                for (var x = 0; x < p; x++, src += 3)
                {
                    block[index++] = (px[src] * scale) - shift;
                }
            }
        }
    }

    /// <summary>
    /// The inverse of the patch layout: returns every frame as normalised planes,
    /// shaped (GridT·T, C, GridH·p, GridW·p) and flattened.
    /// </summary>
    /// <exception cref="ArgumentException">The grid is not a multiple of the merge size, or the values do not fill it.</exception>
    public static float[] Unpatchify(ReadOnlySpan<float> patches, int gridT, int gridH, int gridW, VisionPatchGeometry? geometry = null)
    {
        var g = geometry ?? VisionPatchGeometry.Qwen25VL;
        int p = g.PatchSize, m = g.MergeSize, tps = g.TemporalPatchSize;
        const int c = VisionPatchGeometry.Channels;
        if (gridH % m != 0 || gridW % m != 0)
        {
            throw new ArgumentException($"Grid {gridH}×{gridW} is not a multiple of the merge size {m}.");
        }

        if (patches.Length != gridT * gridH * gridW * g.PatchDim)
        {
            throw new ArgumentException($"Expected {gridT * gridH * gridW} patches of {g.PatchDim}, got {patches.Length} values.", nameof(patches));
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
