using BenchmarkDotNet.Attributes;
using VisionR1.Grpo.Advantages;
using VisionR1.Grpo.Loss;
using VisionR1.Runtime;
using static TorchSharp.torch;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rewards;

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

/// <summary>
/// One whole GRPO step on the embedded small Qwen2.5-VL preset (2 prompts × G = 8, 64-token cap, β = 1e-2):
/// generation, the reference log-prob pass and the update. Each step's split (generation / log-prob passes /
/// training) is printed from the trainer's own metrics, so the loss's share can be read against
/// <see cref="GrpoBenchmarks.LossForwardBackward"/> at 16 × 64.
/// </summary>
[MemoryDiagnoser]
public class GrpoStepBenchmarks
{
    private VisionR1.Grpo.Policies.QwenPolicy _policy = null!;
    private VisionR1.Grpo.Training.GrpoTrainer _trainer = null!;
    private readonly VisionR1.Grpo.Metrics.InMemoryMetricsSink _sink = new();

    [GlobalSetup]
    public void Setup()
    {
        VisionR1Runtime.Initialize("cpu");
        var tokenizer = VisionR1.Text.CompactTokenizerTrainer.TrainDefault();
        var model = new VisionR1.Model.Qwen25VLModel(VisionR1.Model.Config.Qwen25VLPresets.Small, CPU);
        model.InitializeWeights(1);
        _policy = new VisionR1.Grpo.Policies.QwenPolicy(model);
        var prompts = Enumerable.Range(0, 64)
            .Select(i => new VisionR1.Grpo.Policies.GrpoPrompt($"p{i}", $"What is {i} plus {i}? Think step by step.", (2 * i).ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        var encoder = new VisionR1.Grpo.Policies.ChatPromptEncoder(new VisionR1.Inputs.ChatTemplate(tokenizer, VisionR1.Inputs.ChatTemplateOptions.NoSystemPrompt));
        _trainer = new VisionR1.Grpo.Training.GrpoTrainer(_policy, encoder, tokenizer,
            [new VisionR1.Grpo.Rewards.WeightedReward(new VisionR1.Grpo.Rewards.HardFormatResultReward())], prompts,
            new VisionR1.Grpo.Training.GrpoOptions
            {
                Schedule = VisionR1.Grpo.Schedule.PtstSchedule.Single(64, 8, 1_000_000),
                PromptsPerStep = 2,
                MicroBatchSize = 8,
                LearningRate = 1e-5,
            },
            _sink);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var m in _sink.GrpoSteps.TakeLast(5))
            Console.WriteLine(System.FormattableString.Invariant(
                $"// grpo step {m.Step}: {m.StepSeconds:F2}s = generation {m.GenerationSeconds:F2}s + log-prob passes {m.LogProbSeconds:F2}s + update {m.TrainingSeconds:F2}s + scoring {m.ScoringSeconds:F3}s; {m.Completions} completions, {m.Tokens} tokens"));
        _trainer.Dispose();
        _policy.Dispose();
    }

    /// <summary>One step: sample, score, reference pass, update.</summary>
    [Benchmark]
    public double Step() => _trainer.TrainStep().StepSeconds;
}
