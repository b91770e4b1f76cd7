using VisionR1.Model.Config;

namespace VisionR1.Model.Text;

/// <summary>
/// M-RoPE position ids for a left-padded batch of mixed text and images, computed on the host.
/// Text tokens get the same value on the (temporal, height, width) axes, continuing from the
/// previous maximum + 1; the tokens of an image get (0, row, column) on its merged grid, offset
/// by the position where the image starts. Padding (mask 0) gets 1 on every axis, as in HF.
/// The rope delta of a row, max position + 1 − padded length, turns a cache position into the
/// position of a generated token. As in HF, a run of <c>&lt;|image_pad|&gt;</c> tokens is an image
/// only when it follows <c>&lt;|vision_start|&gt;</c>; stray pad tokens (e.g. sampled ones) are text.
/// </summary>
public static class RopeIndex
{
    /// <summary>
    /// Computes positions (3·B·T, axis-major: [axis, row, column]) and deltas (B) for the batch.
    /// <paramref name="imageGrids"/> lists the (t, h, w) patch grid of every image in order of appearance.
    /// </summary>
    /// <param name="inputIds">(B·T) ids, row-major.</param>
    /// <param name="attentionMask">(B·T) mask, row-major.</param>
    /// <param name="batch">B.</param>
    /// <param name="length">T.</param>
    /// <param name="imageGrids">Grids of the images in order of appearance.</param>
    /// <param name="tokens">Special ids.</param>
    /// <param name="spatialMergeSize">Vision merge size (2).</param>
    /// <param name="textOnlyFrom">Columns at or after this one are always text (a completion after the prompt).</param>
    /// <param name="framesAdvanceTime">
    /// Whether frame f of an image gets temporal position start + f (Qwen3-VL's rope index) rather than start on every
    /// frame (Qwen2.5-VL's still images). The two agree on single-frame grids, which is what images have.
    /// </param>
    /// <exception cref="ArgumentException">An image's token run does not match its grid, or there are more image runs than grids.</exception>
    public static RopeIndexResult Compute(
        long[] inputIds, long[] attentionMask, int batch, int length,
        IReadOnlyList<(long T, long H, long W)> imageGrids, ModelTokenIds tokens, int spatialMergeSize, int textOnlyFrom = int.MaxValue, bool framesAdvanceTime = false)
    {
        if (inputIds.Length != batch * length || attentionMask.Length != batch * length)
            throw new ArgumentException($"Input ids ({inputIds.Length}) and attention mask ({attentionMask.Length}) must both hold batch × length = {batch * length} values.");
        var positions = new long[3 * batch * length];
        Array.Fill(positions, 1L);
        var deltas = new long[batch];
        var isImage = new bool[batch * length];
        int imageIndex = 0;
        var tokensOfRow = new List<long>(length);
        var columns = new List<int>(length);
        for (int b = 0; b < batch; b++)
        {
            tokensOfRow.Clear();
            columns.Clear();
            for (int j = 0; j < length; j++)
            {
                if (attentionMask[b * length + j] == 0) continue;
                tokensOfRow.Add(inputIds[b * length + j]);
                columns.Add(j);
            }
            int n = tokensOfRow.Count;
            var t = new long[n];
            var h = new long[n];
            var w = new long[n];
            long next = 0; // the first position free for the next token
            int i = 0;
            while (i < n)
            {
                bool imageRun = tokensOfRow[i] == tokens.ImageTokenId && columns[i] < textOnlyFrom
                                && i > 0 && tokensOfRow[i - 1] == tokens.VisionStartTokenId;
                if (!imageRun)
                {
                    t[i] = h[i] = w[i] = next++;
                    i++;
                    continue;
                }
                if (imageIndex >= imageGrids.Count)
                    throw new ArgumentException($"Row {b} has an image-token run at token {columns[i]} but only {imageGrids.Count} image grid(s) were given for the batch.");
                var (gt, gh, gw) = imageGrids[imageIndex];
                long mh = gh / spatialMergeSize, mw = gw / spatialMergeSize;
                long count = gt * mh * mw;
                int run = 0;
                while (i + run < n && tokensOfRow[i + run] == tokens.ImageTokenId) run++;
                if (run < count)
                    throw new ArgumentException(
                        $"Row {b}: image {imageIndex} has grid (t={gt}, h={gh}, w={gw}) = {count} merged tokens, but its <|image_pad|> run at column {columns[i]} has {run} tokens.");
                long start = next;
                long maxPos = start;
                int k2 = i;
                for (long ft = 0; ft < gt; ft++)
                for (long r = 0; r < mh; r++)
                for (long c = 0; c < mw; c++, k2++)
                {
                    isImage[b * length + columns[k2]] = true;
                    t[k2] = framesAdvanceTime ? start + ft : start;
                    h[k2] = start + r;
                    w[k2] = start + c;
                    maxPos = Math.Max(maxPos, Math.Max(t[k2], Math.Max(start + r, start + c)));
                }
                next = maxPos + 1;
                i += (int)count;
                imageIndex++;
            }
            long max = 0;
            for (int k = 0; k < n; k++)
            {
                int col = columns[k];
                positions[(0 * batch + b) * length + col] = t[k];
                positions[(1 * batch + b) * length + col] = h[k];
                positions[(2 * batch + b) * length + col] = w[k];
                max = Math.Max(max, Math.Max(t[k], Math.Max(h[k], w[k])));
            }
            deltas[b] = n == 0 ? 1 - length : max + 1 - length;
        }
        if (imageIndex != imageGrids.Count)
            throw new ArgumentException($"The batch holds {imageIndex} image-token run(s) but {imageGrids.Count} image grid(s) were given.");
        return new RopeIndexResult(positions, deltas, isImage);
    }
}

/// <summary>What <see cref="RopeIndex.Compute"/> returns.</summary>
/// <param name="Positions">(3·B·T) position ids, axis-major ([axis, row, column]).</param>
/// <param name="Deltas">(B) rope deltas: max position + 1 − padded length.</param>
/// <param name="IsImage">(B·T) whether each token receives an image feature.</param>
public sealed record RopeIndexResult(long[] Positions, long[] Deltas, bool[] IsImage);
