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
    public void The_prefill_records_whether_any_row_was_padded_and_decode_steps_without_a_mask_match_the_masked_ones()
    {
        using var model = ModelTestData.Tiny();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var even = ModelTestData.Batch([ModelTestData.TextPrompt(6, 1), ModelTestData.TextPrompt(6, 2)]);
        using var ragged = ModelTestData.Batch([ModelTestData.TextPrompt(4, 1), ModelTestData.TextPrompt(6, 2)]);
        using var evenCache = KvCache.Allocate(model.Config.Text, 2, 8, model.DType, model.Device);
        using var raggedCache = KvCache.Allocate(model.Config.Text, 2, 8, model.DType, model.Device);
        using var maskedCache = KvCache.Allocate(model.Config.Text, 2, 8, model.DType, model.Device);
        model.Forward(even, evenCache, LogitsMode.None).Dispose();
        model.Forward(ragged, raggedCache, LogitsMode.None).Dispose();
        model.Forward(even, maskedCache, LogitsMode.None).Dispose();
        Assert.True(evenCache.Unpadded);
        Assert.False(raggedCache.Unpadded);
        using (var expanded = evenCache.Expand(2)) Assert.True(expanded.Unpadded);

        // The mask-free step (GenerationSession's) and the ordinary masked step give the same logits.
        var next = tensor(new long[] { 9, 10 }).view(2, 1);
        var mask = ones([2, 7], ScalarType.Int64);
        using var free = model.DecodeStep(next, mask, evenCache);
        using var masked = model.Forward(next, mask, null, null, maskedCache, LogitsMode.LastPosition);
        Assert.True(ModelTestData.MaxAbsDiff(free.Logits!, masked.Logits!) <= 1e-6f);
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
