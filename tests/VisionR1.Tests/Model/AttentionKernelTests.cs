using VisionR1.Model.Layers;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

public sealed class AttentionKernelTests
{
    [Fact]
    public void Folded_causal_mask_lets_each_query_copy_see_keys_up_to_its_own_position()
    {
        using var scope = NewDisposeScope();
        // 2 copies of 3 queries at positions 2, 3, 4 over 5 keys.
        var mask = AttentionKernel.FoldedCausal(2, 3, 5, CPU);
        Assert.Equal([6L, 5L], mask.shape);
        var values = mask.to_type(ScalarType.Int64).data<long>().ToArray();
        for (int row = 0; row < 6; row++)
            for (int key = 0; key < 5; key++)
                Assert.Equal(key <= 2 + row % 3 ? 1L : 0L, values[row * 5 + key]);
    }

    [Fact]
    public void Fp32_attention_is_sdpa_unchanged()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var q = randn(2, 3, 5, 8);
        var k = randn(2, 3, 7, 8);
        var v = randn(2, 3, 7, 8);
        var allowed = rand(2, 1, 5, 7).gt(0.3);
        Scalars.Fill(allowed.narrow(-1, 0, 1), true);
        Assert.False(AttentionKernel.Explicit(q));
        var expected = nn.functional.scaled_dot_product_attention(q, k, v, allowed);
        Assert.Equal(0f, (AttentionKernel.Compute(q, k, v, allowed) - expected).abs().max().item<float>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Bf16_explicit_attention_matches_fp32_sdpa_in_values_and_gradients(bool masked)
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var q32 = randn(2, 2, 6, 16);
        var k32 = randn(2, 2, 6, 16);
        var v32 = randn(2, 2, 6, 16);
        Tensor? allowed = masked ? AttentionKernel.FoldedCausal(1, 6, 6, CPU).view(1, 1, 6, 6) : null;
        var q = q32.to_type(ScalarType.BFloat16).requires_grad_();
        var k = k32.to_type(ScalarType.BFloat16).requires_grad_();
        var v = v32.to_type(ScalarType.BFloat16).requires_grad_();
        Assert.True(AttentionKernel.Explicit(q));
        var output = AttentionKernel.Compute(q, k, v, allowed);
        Assert.Equal(ScalarType.BFloat16, output.dtype);

        // Reference: fp32 SDPA on the same (bf16-rounded) values.
        var rq = q.detach().to_type(ScalarType.Float32).requires_grad_();
        var rk = k.detach().to_type(ScalarType.Float32).requires_grad_();
        var rv = v.detach().to_type(ScalarType.Float32).requires_grad_();
        var reference = nn.functional.scaled_dot_product_attention(rq, rk, rv, allowed);
        Assert.True((output.to_type(ScalarType.Float32) - reference).abs().max().item<float>() < 0.05f);

        var weights = randn(reference.shape);
        (output.to_type(ScalarType.Float32) * weights).sum().backward();
        (reference * weights).sum().backward();
        foreach (var (low, high) in new[] { (q, rq), (k, rk), (v, rv) })
        {
            var error = (low.grad!.to_type(ScalarType.Float32) - high.grad!).abs().max().item<float>();
            var size = high.grad!.abs().max().item<float>();
            Assert.True(error < 0.05f * Math.Max(size, 1f), $"gradient error {error} vs max |grad| {size}");
        }
    }
}
