using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Vision;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

public sealed class WindowAttentionTests
{
    public WindowAttentionTests() => VisionR1Runtime.Initialize("cpu");

    [Fact]
    public void Window_order_groups_merged_tokens_window_by_window()
    {
        // Tiny: windows of 2×2 merged tokens. Patch grid 6×8 → merged 3×4 → windows 2×2, the bottom row half height.
        var layout = VisionLayout.Create([(1, 6, 8)], Qwen25VLPresets.Tiny.Vision);
        long[] expected = [0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 10, 11];
        Assert.Equal(expected, layout.WindowIndex);
        Assert.Equal(new[] { 16, 16, 8, 8 }, layout.WindowSegments);
        Assert.Equal(new[] { 48 }, layout.FrameSegments);
        // Patch (row, col) of the first merged token's 2×2 block, then of merged token 1 (row 0, col 1).
        Assert.Equal(new long[] { 0, 0, 1, 1, 0, 0, 1, 1 }, layout.Rows[..8]);
        Assert.Equal(new long[] { 0, 1, 0, 1, 2, 3, 2, 3 }, layout.Cols[..8]);
    }

    [Fact]
    public void Segment_attention_equals_explicit_per_window_softmax()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        int[] lengths = [16, 16, 8, 8, 4];
        long n = lengths.Sum();
        var q = randn(n, 2, 8);
        var k = randn(n, 2, 8);
        var v = randn(n, 2, 8);
        using var plan = new SegmentAttentionPlan(lengths, CPU);
        var fused = plan.Attend(q, k, v);

        var parts = new List<Tensor>();
        long start = 0;
        foreach (var len in lengths)
        {
            var qs = q.narrow(0, start, len).transpose(0, 1);
            var ks = k.narrow(0, start, len).transpose(0, 1);
            var vs = v.narrow(0, start, len).transpose(0, 1);
            var weights = (qs.matmul(ks.transpose(1, 2)) / Math.Sqrt(8)).softmax(-1);
            parts.Add(weights.matmul(vs).transpose(0, 1).reshape(len, 16));
            start += len;
        }
        var diff = ModelTestData.MaxAbsDiff(fused, cat(parts, 0));
        Assert.True(diff < 1e-5f, $"max abs difference {diff}");
    }

    [Fact]
    public void Repeated_images_are_encoded_once_where_no_gradient_reaches_the_tower()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var model = new Qwen25VLModel(Qwen25VLPresets.Tiny);
        model.InitializeWeights(3);
        int dim = Qwen25VLPresets.Tiny.Vision.PatchDim;
        // Images A (8×8 patches), B (8×8), A again, C (4×8), B again: three distinct.
        var a = randn(64, dim);
        var b = randn(64, dim);
        var c = randn(32, dim);
        var pixels = cat([a, b, a, c, b], 0);
        (long, long, long)[] grids = [(1, 8, 8), (1, 8, 8), (1, 8, 8), (1, 4, 8), (1, 8, 8)];
        Tensor separately;
        using (no_grad())
            separately = cat(new[] { a, b, a, c, b }.Select((x, i) => model.visual.Forward(x, [grids[i]])).ToList(), 0);

        using (no_grad())
        {
            var (shared, encoded) = model.EncodeImages(pixels, grids);
            Assert.Equal(3, encoded);
            Assert.True(ModelTestData.MaxAbsDiff(shared, separately) < 1e-5f);
        }

        // Gradients on and the tower trainable: every image goes through the tower, with a graph.
        var (trained, trainedEncoded) = model.EncodeImages(pixels, grids);
        Assert.Equal(5, trainedEncoded);
        Assert.True(trained.requires_grad);
        Assert.True(ModelTestData.MaxAbsDiff(trained.detach(), separately) < 1e-5f);

        // Gradients on but the tower frozen (GRPO, cold-start SFT): shared again.
        model.FreezeVision();
        var (frozen, frozenEncoded) = model.EncodeImages(pixels, grids);
        Assert.Equal(3, frozenEncoded);
        Assert.False(frozen.requires_grad);
        Assert.True(ModelTestData.MaxAbsDiff(frozen, separately) < 1e-5f);

        // Images that differ in one value are not shared.
        var nearA = a.clone();
        nearA[0, 0] = nearA[0, 0] + 1e-3f;
        int distinct;
        using (no_grad()) (_, distinct) = model.EncodeImages(cat([a, nearA], 0), [(1, 8, 8), (1, 8, 8)]);
        Assert.Equal(2, distinct);
    }

    private static Tensor VisionFeatures(Qwen25VLConfig config, Tensor pixels, Tensor grids, int seed)
    {
        using var model = new Qwen25VLModel(config);
        model.InitializeWeights(seed);
        using var _ = no_grad();
        return model.visual.Forward(pixels, [(1, 8, 8)]).MoveToOuterDisposeScope();
    }

    [Fact]
    public void Only_full_attention_blocks_carry_information_across_windows()
    {
        using var scope = NewDisposeScope();
        // Patch grid 8×8 → merged 4×4 → four windows of 2×2 merged tokens (16 patches each).
        var pixels = ModelTestData.Patches(8, 8, seed: 3);
        var grids = tensor(new long[] { 1, 8, 8 }).view(1, 3);
        var layout = VisionLayout.Create([(1, 8, 8)], Qwen25VLPresets.Tiny.Vision);
        var firstWindow = layout.WindowIndex[..4].ToHashSet(); // merged tokens 0, 1, 4, 5
        var changed = pixels.clone();
        foreach (var m in firstWindow) changed.narrow(0, m * 4, 4).add_(1.0); // perturb the first window's patches only
        var otherTokens = tensor(Enumerable.Range(0, 16).Where(i => !firstWindow.Contains(i)).Select(i => (long)i).ToArray());

        var windowsOnly = Qwen25VLPresets.Tiny with { Vision = Qwen25VLPresets.Tiny.Vision with { FullAttentionBlockIndexes = [] } };
        var a = VisionFeatures(windowsOnly, pixels, grids, 5).index_select(0, otherTokens);
        var b = VisionFeatures(windowsOnly, changed, grids, 5).index_select(0, otherTokens);
        Assert.True(ModelTestData.MaxAbsDiff(a, b) == 0f, "window-only blocks leaked information between windows");

        var c = VisionFeatures(Qwen25VLPresets.Tiny, pixels, grids, 5).index_select(0, otherTokens);
        var d = VisionFeatures(Qwen25VLPresets.Tiny, changed, grids, 5).index_select(0, otherTokens);
        Assert.True(ModelTestData.MaxAbsDiff(c, d) > 1e-6f, "the full-attention block did not attend across windows");
    }
}
