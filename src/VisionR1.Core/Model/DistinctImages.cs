using VisionR1.Runtime;
using TorchSharp;
using VisionR1.Model.Vision;
using static TorchSharp.torch;

namespace VisionR1.Model;

/// <summary>
/// Encodes each distinct image of a batch once: the G completions of a GRPO group share their prompt's image, so where no gradient
/// reaches the vision tower its cost then follows the distinct images, not the rows. Duplicates are found by two fingerprints of
/// each image's patches (its values weighted by two fixed patterns) and confirmed by exact comparison.
/// </summary>
internal static class DistinctImages
{
    /// <summary>
    /// The features of every image of <paramref name="pixels"/> (rows in image order, <paramref name="mergeUnit"/> patches per row),
    /// each distinct image run through <paramref name="visual"/> once, and the number of images encoded.
    /// </summary>
    public static (Tensor Features, int Encoded) Encode(VisionTransformer visual, Tensor pixels, IReadOnlyList<(long T, long H, long W)> grids, int mergeUnit)
    {
        var (outputs, encoded) = Encode((p, g) => [visual.Forward(p, g)], pixels, grids, mergeUnit);
        return (outputs[0], encoded);
    }

    /// <summary>
    /// As <see cref="Encode(VisionTransformer, Tensor, IReadOnlyList{ValueTuple{long, long, long}}, int)"/> for a tower whose
    /// <paramref name="encode"/> returns several tensors with one row per merged token each (Qwen3-VL: the merged embeddings
    /// and the DeepStack features); every one is expanded back to all images.
    /// </summary>
    public static (Tensor[] Outputs, int Encoded) Encode(Func<Tensor, IReadOnlyList<(long T, long H, long W)>, Tensor[]> encode,
        Tensor pixels, IReadOnlyList<(long T, long H, long W)> grids, int mergeUnit)
    {
        using var scope = NewDisposeScope();
        var patches = grids.Select(g => g.T * g.H * g.W).ToArray();
        var offsets = new long[grids.Count];
        for (int i = 1; i < grids.Count; i++) offsets[i] = offsets[i - 1] + patches[i - 1];
        // Pixels that disagree with the grids: the tower's own check names the mismatch.
        if (pixels.dim() != 2 || pixels.shape[0] != offsets[^1] + patches[^1]) return (Keep(encode(pixels, grids)), grids.Count);

        var (representative, unique) = Plan(pixels, grids, patches, offsets);
        if (unique.Count == grids.Count) return (Keep(encode(pixels, grids)), grids.Count);

        var uniquePixels = cat(unique.Select(i => pixels.narrow(0, offsets[i], patches[i])).ToList(), 0);
        var outputs = encode(uniquePixels, unique.Select(i => grids[i]).ToList());
        // Row of each distinct image's first feature, then every image's rows in order.
        var start = new long[grids.Count];
        long at = 0;
        foreach (int i in unique)
        {
            start[i] = at;
            at += patches[i] / mergeUnit;
        }
        var rows = new List<long>();
        for (int i = 0; i < grids.Count; i++)
            for (long r = 0; r < patches[i] / mergeUnit; r++) rows.Add(start[representative[i]] + r);
        var index = tensor(rows.ToArray(), device: outputs[0].device);
        return (Keep(outputs.Select(o => o.index_select(0, index)).ToArray()), unique.Count);
    }

    private static Tensor[] Keep(Tensor[] outputs)
    {
        foreach (var o in outputs) o.MoveToOuterDisposeScope();
        return outputs;
    }

    /// <summary>For each image, the index of the first image equal to it; and the distinct images, in order.</summary>
    private static (int[] Representative, List<int> Unique) Plan(Tensor pixels, IReadOnlyList<(long T, long H, long W)> grids, long[] patches, long[] offsets)
    {
        long dim = pixels.shape[1];
        var weights = stack([Scalars.Arange(1, dim + 1, 1, ScalarType.Float32, pixels.device).sin(),
            Scalars.Arange(1, dim + 1, 1, ScalarType.Float32, pixels.device).cos()], 1);
        var owner = tensor(Enumerable.Range(0, grids.Count).SelectMany(i => Enumerable.Repeat((long)i, (int)patches[i])).ToArray(), device: pixels.device);
        using var one = 1.ToScalar();
        var perImage = zeros([grids.Count, 2], ScalarType.Float32, pixels.device)
            .index_add_(0, owner, pixels.to_type(ScalarType.Float32).matmul(weights), one);
        using var host = perImage.to(CPU);
        var fp = host.data<float>().ToArray();

        var representative = new int[grids.Count];
        var firstByKey = new Dictionary<(long, long, long, float, float), List<int>>();
        var unique = new List<int>();
        for (int i = 0; i < grids.Count; i++)
        {
            var key = (grids[i].T, grids[i].H, grids[i].W, fp[2 * i], fp[2 * i + 1]);
            representative[i] = -1;
            if (firstByKey.TryGetValue(key, out var candidates))
                foreach (int c in candidates)
                    if (pixels.narrow(0, offsets[c], patches[c]).eq(pixels.narrow(0, offsets[i], patches[i])).all().item<bool>())
                    {
                        representative[i] = c;
                        break;
                    }
            if (representative[i] >= 0) continue;
            representative[i] = i;
            unique.Add(i);
            if (candidates is null) firstByKey[key] = [i];
            else candidates.Add(i);
        }
        return (representative, unique);
    }
}
