using VisionR1.Model;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

public sealed class KvCacheTests
{
    /// <summary>Prefills part of the prompt into a cache, then feeds the rest token by token, comparing with one full forward.</summary>
    private static float CachedVersusFull(Qwen25VLModel model, long[] row, int prefill, Tensor? pixels, Tensor? grids)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (ids, mask) = ModelTestData.LeftPad(row);
        var full = model.Forward(ids, mask, pixels, grids).Logits!; // (1, T, V)
        using var cache = KvCache.Allocate(model.Config.Text, 1, row.Length, model.DType, model.Device);
        var first = model.Forward(ids.narrow(1, 0, prefill), mask.narrow(1, 0, prefill), pixels, grids, cache).Logits!;
        float worst = ModelTestData.MaxAbsDiff(first, full.narrow(1, 0, prefill));
        for (int j = prefill; j < row.Length; j++)
        {
            var step = model.Forward(ids.narrow(1, j, 1), mask.narrow(1, 0, j + 1), null, null, cache, LogitsMode.LastPosition).Logits!;
            worst = Math.Max(worst, ModelTestData.MaxAbsDiff(step, full.select(1, j)));
        }
        Assert.Equal(row.Length, cache.Length);
        return worst;
    }

    [Fact]
    public void Cached_decoding_matches_full_recompute_for_text()
    {
        using var model = ModelTestData.Tiny();
        var row = ModelTestData.TextPrompt(20, seed: 3);
        var diff = CachedVersusFull(model, row, prefill: 8, null, null);
        Assert.True(diff <= 1e-5f, $"max abs logit difference {diff}");
    }

    [Fact]
    public void Cached_decoding_matches_full_recompute_for_image_and_text()
    {
        using var model = ModelTestData.Tiny();
        var row = ModelTestData.PromptWithImage(4, 8, 12, 6, seed: 5);
        using var pixels = ModelTestData.Patches(8, 12, seed: 9);
        using var grids = tensor(new long[] { 1, 8, 12 }).view(1, 3);
        // The prefill must contain the whole image; the trailing text is decoded one token at a time.
        var diff = CachedVersusFull(model, row, prefill: row.Length - 5, pixels, grids);
        Assert.True(diff <= 1e-5f, $"max abs logit difference {diff}");
    }
}
