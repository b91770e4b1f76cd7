using BenchmarkDotNet.Attributes;
using VisionR1.Grpo.Advantages;
using VisionR1.Grpo.Loss;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Benchmarks;

/// <summary>
/// The GRPO loss and advantages on rollout-sized tensors: the loss must stay a small fraction of a step
/// (generation and the model's forward/backward dominate), so it is measured on its own, forward and backward.
/// </summary>
[MemoryDiagnoser]
public class GrpoBenchmarks
{
    private Tensor _logits = null!;
    private Tensor _old = null!;
    private Tensor _ref = null!;
    private Tensor _adv = null!;
    private Tensor _mask = null!;
    private double[] _rewards = null!;

    /// <summary>Completions in the batch (prompts × G).</summary>
    [Params(16, 128)]
    public int Completions { get; set; }

    /// <summary>Padded completion length.</summary>
    [Params(256, 1024)]
    public int Length { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        VisionR1Runtime.Initialize("cpu");
        manual_seed(1);
        _logits = randn(Completions, Length).requires_grad_(true); // stands in for the policy's log-probs
        _old = randn(Completions, Length) * 0.05f - 1;
        _ref = randn(Completions, Length) * 0.05f - 1;
        _adv = randn(Completions);
        _mask = (rand(Completions, Length) < 0.8f).to_type(ScalarType.Float32);
        var rng = new Random(1);
        _rewards = Enumerable.Range(0, Completions).Select(_ => (double)rng.Next(2)).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _logits, _old, _ref, _adv, _mask }) t.Dispose();
    }

    /// <summary>Loss with β &gt; 0 (k3 KL), token mean, statistics, and its backward pass.</summary>
    [Benchmark]
    public double LossForwardBackward()
    {
        using var scope = NewDisposeScope();
        var logp = _logits * 0.05f - 1; // a graph from the leaf, like the policy's log-probs
        var result = GrpoLoss.Compute(new GrpoLossInputs(logp, _old, _ref, _adv, _mask), new GrpoLossOptions(Beta: 0.01));
        result.Loss.backward();
        _logits.grad?.zero_();
        return result.Stats.Kl;
    }

    /// <summary>Group-relative advantages for groups of 16 (at most the whole batch).</summary>
    [Benchmark]
    public double Advantages() => GroupAdvantages.Compute(_rewards, Math.Min(16, Completions)).FractionZeroSpread;
}
