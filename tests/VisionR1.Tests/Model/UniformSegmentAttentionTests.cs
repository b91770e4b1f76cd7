using VisionR1.Model.Vision;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

public sealed class UniformSegmentAttentionTests
{
    public UniformSegmentAttentionTests() => VisionR1Runtime.Initialize("cpu");

    [Fact]
    public void Equal_length_segments_take_the_view_path_and_match_per_window_softmax()
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        int[] lengths = [16, 16, 16];
        long n = lengths.Sum();
        var q = randn(n, 2, 8);
        var k = randn(n, 2, 8);
        var v = randn(n, 2, 8);
        using var plan = new SegmentAttentionPlan(lengths, CPU);
        Assert.True(plan.Uniform);
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
        using var mixed = new SegmentAttentionPlan([16, 8], CPU);
        Assert.False(mixed.Uniform);
    }
}
