using BenchmarkDotNet.Attributes;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Benchmarks;

/// <summary>
/// Per-token log-prob extraction from hidden states through the LM head, with backward, as in a GRPO update:
/// the chunked LM head + log-sum-exp + gather the model uses (<c>Qwen25VLModel.ComputeTokenLogProbs</c>)
/// against one full (rows, length, vocab) log-softmax.
/// </summary>
[MemoryDiagnoser]
public class LogProbBenchmarks
{
    private Tensor _hidden = null!;
    private Tensor _head = null!;
    private Tensor _targets = null!;

    /// <summary>Vocabulary size: the compact tokenizer's 1024 and Qwen's 151,936.</summary>
    [Params(1024, 151936)]
    public int Vocab { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        VisionR1Runtime.Initialize("cpu");
        manual_seed(3);
        _hidden = randn(16, 64, 256).requires_grad_(true);
        _head = (randn(Vocab, 256) * 0.02f).requires_grad_(true);
        _targets = randint(0, Vocab, [16, 64]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _hidden, _head, _targets }) t.Dispose();
    }

    /// <summary>Per chunk of 16 positions: logits, log p = logit[target] − logsumexp(logits).</summary>
    [Benchmark(Baseline = true)]
    public double ChunkedGather()
    {
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        for (long start = 0; start < 64; start += 16)
        {
            var logits = nn.functional.linear(_hidden.narrow(1, start, 16), _head);
            var chosen = logits.gather(-1, _targets.narrow(1, start, 16).unsqueeze(-1)).squeeze(-1);
            parts.Add(chosen - logits.logsumexp(-1, keepdim: false));
        }
        return Finish(cat(parts, 1));
    }

    /// <summary>All logits at once, a full log-softmax, then the gather.</summary>
    [Benchmark]
    public double FullLogSoftmax()
    {
        using var scope = NewDisposeScope();
        var logits = nn.functional.linear(_hidden, _head);
        return Finish(logits.log_softmax(-1).gather(-1, _targets.unsqueeze(-1)).squeeze(-1));
    }

    private double Finish(Tensor logp)
    {
        logp.sum().backward();
        _hidden.grad?.zero_();
        _head.grad?.zero_();
        return logp.mean().item<float>();
    }
}

/// <summary>
/// Causal attention of the small preset's shape (16 rows × 128 tokens, 4 heads of 64, forward + backward):
/// the mask-free <c>is_casual</c> path the model takes when there is no padding, against an explicit
/// boolean causal mask.
/// </summary>
[MemoryDiagnoser]
public class AttentionBenchmarks
{
    private Tensor _q = null!;
    private Tensor _k = null!;
    private Tensor _v = null!;
    private Tensor _mask = null!;

    [GlobalSetup]
    public void Setup()
    {
        VisionR1Runtime.Initialize("cpu");
        manual_seed(4);
        _q = randn(16, 4, 128, 64).requires_grad_(true);
        _k = randn(16, 4, 128, 64).requires_grad_(true);
        _v = randn(16, 4, 128, 64).requires_grad_(true);
        using var causal = ones(128, 128, ScalarType.Bool).tril();
        _mask = causal.view(1, 1, 128, 128).clone();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _q, _k, _v, _mask }) t.Dispose();
    }

    /// <summary>is_casual, no mask.</summary>
    [Benchmark(Baseline = true)]
    public double CausalFlag() => Run(null);

    /// <summary>The same attention with a boolean (1, 1, T, T) mask.</summary>
    [Benchmark]
    public double BooleanMask() => Run(_mask);

    private double Run(Tensor? mask)
    {
        using var scope = NewDisposeScope();
        var o = mask is null
            ? nn.functional.scaled_dot_product_attention(_q, _k, _v, is_casual: true)
            : nn.functional.scaled_dot_product_attention(_q, _k, _v, mask);
        o.sum().backward();
        foreach (var t in new[] { _q, _k, _v }) t.grad?.zero_();
        return o.shape[2];
    }
}
