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
        const int p = VisionPatchLayout.PatchSize;
        const int m = VisionPatchLayout.MergeSize;
        const int tps = VisionPatchLayout.TemporalPatchSize;
        const int c = VisionPatchLayout.Channels;
        if (height % VisionPatchLayout.Factor != 0 || width % VisionPatchLayout.Factor != 0)
        {
            throw new ArgumentException($"Image size {width}×{height} is not a multiple of {VisionPatchLayout.Factor}.");
        }

        if (chw.Length != c * height * width)
        {
            throw new ArgumentException($"Expected {c}×{height}×{width} values, got {chw.Length}.", nameof(chw));
        }

        int gh = height / p, gw = width / p;
        var patches = new float[gh * gw * VisionPatchLayout.PatchDim];
        var plane = height * width;
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
                        for (var ch = 0; ch < c; ch++)
                        {
                            for (var t = 0; t < tps; t++)
                            {
                                for (var py = 0; py < p; py++)
                                {
                                    chw.Slice((ch * plane) + ((y0 + py) * width) + x0, p).CopyTo(patches.AsSpan(index, p));
                                    index += p;
                                }
                            }
                        }
                    }
                }
            }
        }

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
        const int p = VisionPatchLayout.PatchSize;
        const int m = VisionPatchLayout.MergeSize;
        const int tps = VisionPatchLayout.TemporalPatchSize;
        const int c = VisionPatchLayout.Channels;
        int height = image.Height, width = image.Width;
        if (height % VisionPatchLayout.Factor != 0 || width % VisionPatchLayout.Factor != 0)
        {
            throw new ArgumentException($"Image size {width}×{height} is not a multiple of {VisionPatchLayout.Factor}.", nameof(image));
        }

        int gh = height / p, gw = width / p;
        if (destination.Length != gh * gw * VisionPatchLayout.PatchDim)
        {
            throw new ArgumentException($"Expected room for {gh * gw * VisionPatchLayout.PatchDim} values, got {destination.Length}.", nameof(destination));
        }

        Span<float> scale = stackalloc float[c];
        Span<float> shift = stackalloc float[c];
        for (var ch = 0; ch < c; ch++)
        {
            // As ImageProcessor.Normalize: (v / 255 − mean) / std = v · (1 / (255·std)) − mean / std.
            scale[ch] = 1f / (255f * VisionPatchLayout.Std[ch]);
            shift[ch] = VisionPatchLayout.Mean[ch] / VisionPatchLayout.Std[ch];
        }

        var px = image.Pixels;
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
                        for (var ch = 0; ch < c; ch++)
                        {
                            float s = scale[ch], o = shift[ch];
                            var first = index;
                            for (var py = 0; py < p; py++)
                            {
                                var src = ((((y0 + py) * width) + x0) * 3) + ch;
                                for (var x = 0; x < p; x++, src += 3)
                                {
                                    destination[index++] = (px[src] * s) - o;
                                }
                            }

                            // The still image fills every frame of the temporal patch.
                            for (var t = 1; t < tps; t++)
                            {
                                destination.Slice(first, p * p).CopyTo(destination.Slice(index, p * p));
                                index += p * p;
                            }
                        }
                    }
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
