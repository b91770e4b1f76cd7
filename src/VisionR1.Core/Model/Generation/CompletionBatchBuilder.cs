using VisionR1.Inputs;
using static TorchSharp.torch;

namespace VisionR1.Model.Generation;

/// <summary>
/// Joins prompts and their generated completions into the <see cref="CompletionBatch"/> that
/// <see cref="QwenVLLogProbs.ComputeTokenLogProbs(QwenVLModel, CompletionBatch, double, bool, int)"/> scores:
/// row i·G + j is prompt i (left-padded) followed by its completion j (right-padded), with
/// prompt i's image patches and grids repeated for each of its samples.
/// </summary>
public static class CompletionBatchBuilder
{
    /// <summary>
    /// Builds the prompt + completion batch straight from the tensors the generator was given and
    /// its result (no re-tokenisation). The completion mask is 1 on generated tokens only. The
    /// caller owns (disposes) the returned batch.
    /// </summary>
    /// <exception cref="ArgumentException">The result's completion count is not a multiple of the prompt count, or the image tokens do not match the grids.</exception>
    public static CompletionBatch FromGeneration(QwenVLModel model, MultimodalBatch prompts, GenerationResult result)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(result);
        int b = checked((int)prompts.BatchSize);
        int n = result.Completions.Count;
        if (n == 0 || n % b != 0) throw new ArgumentException($"{n} completions cannot be split evenly over {b} prompts.", nameof(result));
        int g = n / b;
        var tokens = model.Tokens;

        using var scope = NewDisposeScope();
        var rowIndex = tensor(Enumerable.Range(0, n).Select(r => (long)(r / g)).ToArray(), device: prompts.InputIds.device);
        var (completionIds, completionMask) = result.ToPaddedTensors(tokens.PadTokenId);
        var ids = cat([prompts.InputIds.index_select(0, rowIndex), completionIds.to(prompts.InputIds.device)], 1);
        var mask = cat([prompts.AttentionMask.index_select(0, rowIndex), completionMask.to(prompts.AttentionMask.device)], 1);

        Tensor? pixels = null, grids = null;
        if (prompts.PixelValues is not null && prompts.ImageGridThw is not null)
        {
            // Which images (and patch ranges) belong to each prompt row, in order of appearance.
            using var hostIds = prompts.InputIds.to(CPU);
            using var hostMask = prompts.AttentionMask.to(CPU);
            using var hostGrid = prompts.ImageGridThw.to(CPU).to_type(ScalarType.Int64);
            var idv = hostIds.data<long>().ToArray();
            var mv = hostMask.data<long>().ToArray();
            var gv = hostGrid.data<long>().ToArray();
            int t = checked((int)prompts.SequenceLength);
            int unit = model.SpatialMergeUnit;
            var imagesOfRow = new List<int>[b];
            int image = 0;
            for (int row = 0; row < b; row++)
            {
                imagesOfRow[row] = [];
                long pads = 0;
                for (int j = 0; j < t; j++)
                    if (mv[row * t + j] != 0 && idv[row * t + j] == tokens.ImageTokenId) pads++;
                while (pads > 0)
                {
                    if (image * 3 >= gv.Length) throw new ArgumentException($"Prompt row {row} has more <|image_pad|> tokens than the image grids describe.", nameof(prompts));
                    pads -= gv[3 * image] * gv[3 * image + 1] * gv[3 * image + 2] / unit;
                    imagesOfRow[row].Add(image++);
                }
                if (pads < 0) throw new ArgumentException($"Prompt row {row}: its <|image_pad|> tokens do not match whole images.", nameof(prompts));
            }
            var patchStart = new long[gv.Length / 3 + 1];
            for (int i = 0; i < gv.Length / 3; i++) patchStart[i + 1] = patchStart[i] + gv[3 * i] * gv[3 * i + 1] * gv[3 * i + 2];
            var patchIndex = new List<long>();
            var gridIndex = new List<long>();
            for (int r = 0; r < n; r++)
                foreach (var img in imagesOfRow[r / g])
                {
                    gridIndex.Add(img);
                    for (long p = patchStart[img]; p < patchStart[img + 1]; p++) patchIndex.Add(p);
                }
            if (gridIndex.Count > 0)
            {
                pixels = prompts.PixelValues.index_select(0, tensor(patchIndex.ToArray(), device: prompts.PixelValues.device));
                grids = prompts.ImageGridThw.index_select(0, tensor(gridIndex.ToArray(), device: prompts.ImageGridThw.device));
            }
        }
        var fullCompletionMask = cat([zeros_like(prompts.AttentionMask.index_select(0, rowIndex)), completionMask.to(prompts.AttentionMask.device)], 1);
        var batch = new MultimodalBatch(ids.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope(), pixels?.MoveToOuterDisposeScope(), grids?.MoveToOuterDisposeScope());
        return new CompletionBatch(batch, fullCompletionMask.MoveToOuterDisposeScope(), checked((int)prompts.SequenceLength));
    }
}
