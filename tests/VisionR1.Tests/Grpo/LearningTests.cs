using VisionR1.Grpo.Loss;
using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Schedule;
using VisionR1.Grpo.Training;
using VisionR1.Runtime;
using VisionR1.Tests.Grpo.Fixtures;
using Xunit.Abstractions;
using VisionR1.Grpo.Rewards;

namespace VisionR1.Tests.Grpo;

public sealed class LearningTests(ITestOutputHelper output)
{
    /// <summary>
    /// A short SFT warm-up that teaches the answer format; only a quarter of its answers are the right sum, so the
    /// warmed-up policy is right well under half the time (measured: 0.3–0.45 over five seeds) and GRPO has to do the rest.
    /// </summary>
    internal static TinyGruPolicy FormatWarmedPolicy(long seed, int steps = 200, double correctFraction = 0.25)
    {
        VisionR1Runtime.Initialize("cpu", threads: 1);
        var policy = new TinyGruPolicy(seed);
        using var sft = new SftTrainer<(string, string)>(policy, new SumSftCollator(), SumTask.WarmUpSamples(512, (int)seed, correctFraction),
            new SftOptions { Epochs = 100, LearningRate = 1e-2, WarmupRatio = 0, LearningRateShape = LearningRateShape.Constant, MicroBatchSize = 32, GradientAccumulationSteps = 1, Seed = seed });
        sft.Train(steps);
        return policy;
    }

    internal static GrpoOptions TaskOptions(int steps, long seed = 7, double lr = 1e-2, double beta = 0.01, int prompts = 9) => new()
    {
        Schedule = PtstSchedule.Single(6, 8, steps),
        PromptsPerStep = prompts,
        LearningRate = lr,
        MicroBatchSize = 72,
        Loss = new GrpoLossOptions(Beta: beta),
        Seed = seed,
    };

    private double RunGrpo(int steps, out double start)
    {
        using var policy = FormatWarmedPolicy(11);
        var sink = new InMemoryMetricsSink();
        using var trainer = new GrpoTrainer(policy, new SumPromptEncoder(), new TinyTokenizer(), [new WeightedReward(new SumReward())], SumTask.Prompts(), TaskOptions(steps), sink);
        trainer.Train();
        foreach (var m in sink.GrpoSteps) output.WriteLine($"step {m.Step} reward {m.RewardMean:F3} fmt {m.FormatRate:F3} kl {m.Kl:F4} len {m.CompletionLengthMean:F2} {m.StepSeconds:F3}s");
        start = sink.GrpoSteps.Take(5).Average(m => m.RewardMean);
        return sink.GrpoSteps.TakeLast(5).Average(m => m.RewardMean);
    }

    [Fact]
    public void Grpo_raises_the_mean_reward_on_the_digit_sum_task_quick()
    {
        double end = RunGrpo(30, out double start);
        output.WriteLine($"start {start:F3} end {end:F3}");
        Assert.True(start < 0.5, $"the warmed-up policy should not know the sums yet (start {start:F3})");
        Assert.True(end > start + 0.3, $"mean reward should rise clearly: start {start:F3}, end {end:F3}");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Grpo_learns_the_digit_sum_task()
    {
        double end = RunGrpo(80, out double start);
        output.WriteLine($"start {start:F3} end {end:F3}");
        Assert.True(end > 0.9, $"mean reward should approach 1: start {start:F3}, end {end:F3}");
    }

    [Fact]
    public void Sft_lowers_the_loss_on_assistant_tokens()
    {
        VisionR1Runtime.Initialize("cpu", threads: 1);
        using var policy = new TinyGruPolicy(3);
        var data = SumTask.CorrectSamples();
        using var sft = new SftTrainer<(string, string)>(policy, new SumSftCollator(), data,
            new SftOptions { Epochs = 200, LearningRate = 1e-2, WarmupRatio = 0.05, MicroBatchSize = 3, GradientAccumulationSteps = 3, Seed = 3 });
        double before = sft.EvaluateLoss(data);
        sft.Train(40);
        double after = sft.EvaluateLoss(data);
        output.WriteLine($"assistant-token NLL {before:F4} -> {after:F4}");
        Assert.True(after < before * 0.5, $"{before} -> {after}");
    }
}
