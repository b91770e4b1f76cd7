using TorchSharp;
using TorchSharp.PyBridge;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Runtime;

public sealed class TorchRuntimeTests
{
    public TorchRuntimeTests() => VisionR1Runtime.Initialize("cpu");

    [Fact]
    public void Initialize_reports_cpu_threads_and_versions()
    {
        var report = VisionR1Runtime.Initialize("cpu", threads: 2);
        Assert.Equal(DeviceType.CPU, report.Device.type);
        Assert.Equal(2, report.Threads);
        Assert.False(string.IsNullOrWhiteSpace(report.TorchSharpVersion));
        Assert.Contains("device=cpu", report.ToString());
    }

    [Fact]
    public void Unknown_device_and_unavailable_cuda_fail_clearly()
    {
        var bad = Assert.Throws<ArgumentException>(() => VisionR1Runtime.Initialize("tpu"));
        Assert.Contains("tpu", bad.Message);
        if (!cuda.is_available())
        {
            var noCuda = Assert.Throws<ArgumentException>(() => VisionR1Runtime.Initialize("cuda"));
            Assert.Contains("CUDA is not available", noCuda.Message);
        }
    }

    [Fact]
    public void Matmul_computes_known_product()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        var b = tensor(new float[] { 5, 6, 7, 8 }, 2, 2);
        var c = a.matmul(b);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c.data<float>().ToArray());
    }

    [Fact]
    public void Scaled_dot_product_attention_matches_explicit_softmax()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        var q = randn(2, 3, 5, 8);
        var k = randn(2, 3, 5, 8);
        var v = randn(2, 3, 5, 8);
        var fused = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true);
        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(8);
        var mask = ones(5, 5, dtype: ScalarType.Bool).tril();
        var explicitAttn = scores.masked_fill(mask.logical_not(), float.NegativeInfinity).softmax(-1).matmul(v);
        Assert.True((fused - explicitAttn).abs().max().item<float>() < 1e-5f);
    }

    [Fact]
    public void Autograd_backward_gives_analytic_gradient()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, -2, 3 }, requires_grad: true);
        var y = (x * x * x).sum(); // dy/dx = 3x^2
        y.backward();
        Assert.Equal(new float[] { 3, 12, 27 }, x.grad!.data<float>().ToArray());
    }

    [Fact]
    public void Safetensors_round_trip_through_pybridge()
    {
        using var scope = NewDisposeScope();
        var dir = Directory.CreateTempSubdirectory("vr1-st-");
        try
        {
            manual_seed(3);
            var source = nn.Linear(4, 3);
            var path = Path.Combine(dir.FullName, "linear.safetensors");
            source.save_safetensors(path);
            var target = nn.Linear(4, 3);
            target.load_safetensors(path);
            Assert.True(source.weight!.allclose(target.weight!, 0, 0));
            Assert.True(source.bias!.allclose(target.bias!, 0, 0));
            var raw = Safetensors.LoadStateDict(path);
            Assert.Equal(new[] { "bias", "weight" }, raw.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray());
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void Matmul_rate_is_measured()
    {
        var gflops = VisionR1Runtime.MeasureMatmulGflops(256, ScalarType.Float32, repeats: 2);
        Assert.True(gflops > 0.1, $"measured {gflops} GFLOP/s");
    }
}
