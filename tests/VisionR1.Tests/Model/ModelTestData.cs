using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

/// <summary>Small models and batches the model tests share.</summary>
internal static class ModelTestData
{
    public static Qwen25VLModel Tiny(long seed = 1, ScalarType dtype = ScalarType.Float32)
    {
        VisionR1Runtime.Initialize("cpu");
        var model = new Qwen25VLModel(Qwen25VLPresets.Tiny, CPU, dtype);
        model.InitializeWeights(seed);
        // Larger weights than HF's 0.02 so that differences between code paths are not hidden by tiny activations.
        using (no_grad())
        {
            foreach (var (name, p) in model.named_parameters())
                if (!name.EndsWith("norm.weight", StringComparison.Ordinal) && !name.EndsWith(".bias", StringComparison.Ordinal) && p.dim() >= 2)
                    p.mul_(5.0);
        }
        return model;
    }

    /// <summary>Random patches for an image with patch grid (1, h, w).</summary>
    public static Tensor Patches(long h, long w, long seed) =>
        randn([h * w, 1176], generator: new Generator((ulong)seed));

    /// <summary>
    /// A tokenised prompt: text, one image whose patch grid is (1, h, w), text. Token ids: the
    /// compact specials (3 = vision_start, 4 = vision_end, 5 = image_pad) and ordinary ids ≥ 7.
    /// </summary>
    public static long[] PromptWithImage(int before, long h, long w, int after, int seed)
    {
        var rng = new Random(seed);
        var ids = new List<long>();
        for (int i = 0; i < before; i++) ids.Add(rng.Next(7, 1024));
        ids.Add(3);
        for (int i = 0; i < h * w / 4; i++) ids.Add(5);
        ids.Add(4);
        for (int i = 0; i < after; i++) ids.Add(rng.Next(7, 1024));
        return ids.ToArray();
    }

    public static long[] TextPrompt(int length, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (long)rng.Next(7, 1024)).ToArray();
    }

    /// <summary>Left-pads rows to a batch (pad id 0).</summary>
    public static (Tensor Ids, Tensor Mask) LeftPad(params long[][] rows)
    {
        int t = rows.Max(r => r.Length);
        var ids = new long[rows.Length * t];
        var mask = new long[rows.Length * t];
        for (int b = 0; b < rows.Length; b++)
        {
            int pad = t - rows[b].Length;
            for (int j = 0; j < rows[b].Length; j++)
            {
                ids[b * t + pad + j] = rows[b][j];
                mask[b * t + pad + j] = 1;
            }
        }
        return (tensor(ids).view(rows.Length, t), tensor(mask).view(rows.Length, t));
    }

    public static MultimodalBatch Batch(long[][] rows, Tensor? pixels = null, Tensor? grids = null)
    {
        var (ids, mask) = LeftPad(rows);
        return new MultimodalBatch(ids, mask, pixels, grids);
    }

    public static float MaxAbsDiff(Tensor a, Tensor b)
    {
        using var d = (a - b).abs().max();
        return d.item<float>();
    }
}
