using VisionR1.Model;
using VisionR1.Model.Qwen3VL;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model.Qwen3VL;

/// <summary>The KV-cached prefill and decode steps of <see cref="Qwen3VLModel"/> against recomputing whole sequences.</summary>
public sealed class Qwen3VLKvCacheTests(ITestOutputHelper output)
{
    /// <summary>
    /// Three left-padded rows of 14 columns: an image row (text, a (1, 4, 4) image = 4 tokens, text), a text-only row and a
    /// shorter image row with left padding; the prompt is the first 10 columns.
    /// </summary>
    private static (Tensor Ids, Tensor Mask, Tensor Pixels, Tensor Grids) Batch()
    {
        long[][] rows =
        [
            [9, 10, 3, 5, 5, 5, 5, 4, 11, 12, 20, 21, 22, 23],
            [13, 14, 15, 16, 17, 18, 19, 24, 25, 26, 27, 28, 29, 30],
            [3, 5, 5, 5, 5, 4, 31, 32, 33, 34, 35],
        ];
        int t = rows.Max(r => r.Length);
        var ids = new long[rows.Length * t];
        var mask = new long[rows.Length * t];
        for (int b = 0; b < rows.Length; b++)
            for (int j = 0; j < rows[b].Length; j++)
            {
                ids[(b * t) + t - rows[b].Length + j] = rows[b][j];
                mask[(b * t) + t - rows[b].Length + j] = 1;
            }
        using var generator = new Generator(21);
        var pixels = randn([32, 1536], generator: generator);
        var grids = tensor(new long[] { 1, 4, 4, 1, 4, 4 }).view(2, 3);
        return (tensor(ids).view(rows.Length, t), tensor(mask).view(rows.Length, t), pixels, grids);
    }

    /// <summary>max |Δ| over the real (unmasked) positions of (B, T, V) or (B, V) logits.</summary>
    private static float RealDiff(Tensor a, Tensor b, Tensor realMask)
    {
        using var scope = NewDisposeScope();
        var keep = realMask.to_type(ScalarType.Bool).unsqueeze(-1).expand_as(a);
        return (a - b).abs().masked_select(keep).max().item<float>();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Prefill_and_decode_steps_give_the_logits_of_the_whole_sequence(bool tied)
    {
        using var model = Qwen3VLTestData.Initialized(tied, seed: 31);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (ids, mask, pixels, grids) = Batch();
        long t = ids.shape[1];
        const int prompt = 10;
        using var full = model.Forward(ids, mask, pixels, grids);
        using var cache = model.AllocateCache(ids.shape[0], t);
        using var prefill = model.Forward(ids.narrow(1, 0, prompt), mask.narrow(1, 0, prompt), pixels, grids, cache);
        Assert.False(cache.Unpadded);
        Assert.Equal(prompt, cache.Length);
        Assert.True(prefill.RopeDeltas.equal(full.RopeDeltas).all().item<bool>());
        float worst = RealDiff(prefill.Logits!, full.Logits!.narrow(1, 0, prompt), mask.narrow(1, 0, prompt));
        for (int j = prompt; j < t; j++)
        {
            using var step = model.Forward(ids.narrow(1, j, 1), mask.narrow(1, 0, j + 1), null, null, cache, LogitsMode.LastPosition);
            worst = Math.Max(worst, RealDiff(step.Logits!, full.Logits!.select(1, j), mask.select(1, j)));
        }
        Assert.Equal(t, cache.Length);
        float scale = full.Logits!.abs().max().item<float>();
        output.WriteLine($"tied={tied}: max |Δlogits| cached vs whole sequence {worst:E2} (largest |logit| {scale:F3})");
        Assert.True(scale > 1f, $"logits too small to compare ({scale})");
        Assert.True(worst <= 1e-5f * scale, $"max |Δlogits| {worst} (largest |logit| {scale})");
    }

    [Fact]
    public void The_mask_free_decode_step_after_an_unpadded_prefill_equals_the_masked_step()
    {
        using var model = Qwen3VLTestData.Initialized(false, seed: 32);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (ids, mask, pixels, grids) = Batch();
        // Rows 0 and 1 are unpadded.
        ids = ids.narrow(0, 0, 2);
        mask = mask.narrow(0, 0, 2);
        pixels = pixels.narrow(0, 0, 16);
        grids = grids.narrow(0, 0, 1);
        using var free = model.AllocateCache(2, 12);
        using var masked = model.AllocateCache(2, 12);
        model.Forward(ids.narrow(1, 0, 10), mask.narrow(1, 0, 10), pixels, grids, free, LogitsMode.None).Dispose();
        model.Forward(ids.narrow(1, 0, 10), mask.narrow(1, 0, 10), pixels, grids, masked, LogitsMode.None).Dispose();
        Assert.True(free.Unpadded);
        for (int j = 10; j < 12; j++)
        {
            using var a = model.DecodeStep(ids.narrow(1, j, 1), mask.narrow(1, 0, j + 1), free);
            using var b = model.Forward(ids.narrow(1, j, 1), mask.narrow(1, 0, j + 1), null, null, masked, LogitsMode.LastPosition);
            float diff = (a.Logits! - b.Logits!).abs().max().item<float>();
            Assert.True(diff <= 1e-6f * Math.Max(1f, b.Logits!.abs().max().item<float>()), $"step {j}: mask-free and masked decode differ by {diff}");
        }
    }

    [Fact]
    public void Greedy_decoding_with_decode_steps_on_an_expanded_cache_picks_the_argmax_of_the_whole_sequence()
    {
        using var model = Qwen3VLTestData.Initialized(false, seed: 33);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (ids, mask, pixels, grids) = Batch();
        var prompt = ids.narrow(0, 0, 1).narrow(1, 0, 10);
        var promptMask = ones_like(prompt);
        const int steps = 6;
        using var cache = model.AllocateCache(1, 10 + steps);
        using var first = model.Forward(prompt, promptMask, pixels.narrow(0, 0, 16), grids.narrow(0, 0, 1), cache, LogitsMode.LastPosition);
        // Two samples share the prompt, as generation shares it among a group.
        using var shared = cache.Expand(2);
        var next = first.Logits!.argmax(-1).view(1, 1).expand(2, 1).contiguous();
        var tokens = new List<Tensor> { prompt.expand(2, -1), next };
        for (int s = 1; s < steps; s++)
        {
            var all = cat(tokens, 1);
            using var step = model.DecodeStep(next, ones_like(all), shared);
            next = step.Logits!.argmax(-1).view(2, 1);
            tokens.Add(next);
        }
        var sequence = cat(tokens, 1);
        Assert.True(sequence[0].equal(sequence[1]).all().item<bool>());
        using var whole = model.Forward(sequence.narrow(0, 0, 1), ones([1, sequence.shape[1]], ScalarType.Int64), pixels.narrow(0, 0, 16), grids.narrow(0, 0, 1));
        var chosen = whole.Logits!.narrow(1, 9, steps).argmax(-1);
        Assert.Equal(sequence.narrow(0, 0, 1).narrow(1, 10, steps).data<long>().ToArray(), chosen.data<long>().ToArray());
    }

    [Fact]
    public void The_cache_has_the_text_model_layout_and_decoding_without_a_prefill_is_refused()
    {
        using var model = Qwen3VLTestData.Initialized(false, seed: 34);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var cache = model.AllocateCache(2, 7);
        Assert.Equal(7, cache.Capacity);
        Assert.Equal(2, cache.BatchSize);
        var (keys, _) = cache.Write(1, zeros([2, 2, 1, 16]), zeros([2, 2, 1, 16]));
        Assert.Equal([2, 2, 1, 16], keys.shape);
        cache.Advance(1);
        var e = Assert.Throws<InvalidOperationException>(() => model.Forward(tensor(new long[] { 9, 9 }).view(2, 1), ones([2, 2], ScalarType.Int64), null, null, cache));
        Assert.Contains("rope deltas", e.Message, StringComparison.Ordinal);
    }
}
