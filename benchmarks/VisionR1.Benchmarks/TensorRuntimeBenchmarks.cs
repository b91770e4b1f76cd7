using BenchmarkDotNet.Attributes;
using TorchSharp;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Benchmarks;

/// <summary>The raw libtorch rates every other figure is compared with.</summary>
[MemoryDiagnoser]
public class TensorRuntimeBenchmarks
{
    private Tensor _a = null!;
    private Tensor _b = null!;

    /// <summary>Square size of the product.</summary>
    [Params(512, 1024)]
    public int N { get; set; }

    /// <summary>Element type.</summary>
    [Params(ScalarType.Float32, ScalarType.BFloat16)]
    public ScalarType DType { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        VisionR1Runtime.Initialize("cpu");
        _a = randn(N, N, dtype: DType);
        _b = randn(N, N, dtype: DType);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose();
        _b.Dispose();
    }

    [Benchmark]
    public void Matmul()
    {
        using var c = _a.matmul(_b);
    }
}
