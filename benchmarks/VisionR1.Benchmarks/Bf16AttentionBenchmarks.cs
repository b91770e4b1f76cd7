using BenchmarkDotNet.Attributes;
using TorchSharp;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Benchmarks;

/// <summary>
/// Causal attention of the small preset's text shape (16 rows × 128 tokens, 4 heads of 64), forward + backward,
/// in <see cref="DType"/>: libtorch's <c>scaled_dot_product_attention</c> against the explicit product the model uses for
/// bf16 on the CPU (scores and output by matmul in the input dtype, softmax in fp32, as transformers' eager attention).
/// </summary>
[MemoryDiagnoser]
public class Bf16AttentionBenchmarks
{
    private Tensor _q = null!;
    private Tensor _k = null!;
    private Tensor _v = null!;
    private Tensor _masked = null!;
    private Scalar _scale = null!;
    private Scalar _negativeInfinity = null!;

    /// <summary>Element type of q, k and v.</summary>
    [Params(ScalarType.BFloat16, ScalarType.Float32)]
    public ScalarType DType { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        VisionR1Runtime.Initialize("cpu");
        manual_seed(4);
        using var scope = NewDisposeScope();
        _q = randn(16, 4, 128, 64).to_type(DType).requires_grad_(true).DetachFromDisposeScope();
        _k = randn(16, 4, 128, 64).to_type(DType).requires_grad_(true).DetachFromDisposeScope();
        _v = randn(16, 4, 128, 64).to_type(DType).requires_grad_(true).DetachFromDisposeScope();
        _masked = ones(128, 128, ScalarType.Bool).tril().logical_not().DetachFromDisposeScope();
        _scale = (1.0 / 8).ToScalar();
        _negativeInfinity = double.NegativeInfinity.ToScalar();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _q, _k, _v, _masked }) t.Dispose();
        _scale.Dispose();
        _negativeInfinity.Dispose();
    }

    /// <summary>scaled_dot_product_attention with is_casual.</summary>
    [Benchmark(Baseline = true)]
    public long Sdpa()
    {
        using var scope = NewDisposeScope();
        return Backward(nn.functional.scaled_dot_product_attention(_q, _k, _v, is_casual: true));
    }

    /// <summary>softmax(q·kᵀ/8 masked) in fp32, cast back, times v.</summary>
    [Benchmark]
    public long Explicit()
    {
        using var scope = NewDisposeScope();
        var scores = _q.matmul(_k.transpose(-1, -2)).mul(_scale).masked_fill(_masked, _negativeInfinity);
        return Backward(scores.softmax(-1, ScalarType.Float32).to_type(DType).matmul(_v));
    }

    private long Backward(Tensor output)
    {
        output.sum().backward();
        foreach (var t in new[] { _q, _k, _v })
        {
            t.grad?.Dispose();
            t.grad = null;
        }
        return 128;
    }
}
