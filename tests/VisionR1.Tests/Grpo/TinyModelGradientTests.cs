using TorchSharp;
using VisionR1.Grpo.Loss;
using VisionR1.Grpo.Rollout;
using VisionR1.Runtime;
using VisionR1.Tests.Grpo.Fixtures;
using static TorchSharp.torch;

namespace VisionR1.Tests.Grpo;

public sealed class TinyModelGradientTests
{
    public TinyModelGradientTests() => VisionR1Runtime.Initialize("cpu", threads: 1);

    [Theory]
    [InlineData(LossAggregation.TokenMean)]
    [InlineData(LossAggregation.SequenceMean)]
    [InlineData(LossAggregation.DrGrpo)]
    public void Loss_gradient_through_the_tiny_model_matches_double_precision_finite_differences(LossAggregation mode)
    {
        using var scope = NewDisposeScope();
        using var policy = new TinyGruPolicy(21);
        policy.Module.to(ScalarType.Float64);
        var encoder = new SumPromptEncoder();
        var prompts = SumTask.Prompts().Take(3).ToList();
        var gen = new Generator(5);
        var ids = randint(2, TinyTokenizer.Size, new long[] { 3, 4 }, generator: gen);
        var mask = tensor(new double[] { 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0 }, new long[] { 3, 4 }, dtype: ScalarType.Float64);
        var adv = tensor(new[] { 1.0, -0.5, 2.0 }, dtype: ScalarType.Float64);
        const double temperature = 0.9;
        Tensor old, reference;
        using (no_grad())
        {
            var base0 = CompletionLogProbs.Compute(policy, encoder, prompts, ids, mask, temperature).LogProbs;
            old = base0 + randn(new long[] { 3, 4 }, dtype: ScalarType.Float64, generator: gen) * 0.3;
            reference = base0 + randn(new long[] { 3, 4 }, dtype: ScalarType.Float64, generator: gen) * 0.3;
        }
        var options = new GrpoLossOptions(Beta: 0.05, DualClip: 3, Aggregation: mode);
        Tensor Loss() => GrpoLoss.Compute(new GrpoLossInputs(CompletionLogProbs.Compute(policy, encoder, prompts, ids, mask, temperature).LogProbs, old, reference, adv, mask), options).Loss;

        Loss().backward();
        var parameters = policy.Module.parameters().ToList();
        double maxErr = 0, maxGrad = 0;
        const double h = 1e-6;
        using (no_grad())
        {
            foreach (var p in parameters)
            {
                var flat = p.view(-1);
                var grad = p.grad!.view(-1);
                for (long k = 0; k < flat.shape[0]; k += Math.Max(1, flat.shape[0] / 6))
                {
                    double original = flat[k].item<double>();
                    flat[k] = original + h;
                    double up = Loss().item<double>();
                    flat[k] = original - h;
                    double down = Loss().item<double>();
                    flat[k] = original;
                    double numeric = (up - down) / (2 * h);
                    double analytic = grad[k].item<double>();
                    maxErr = Math.Max(maxErr, Math.Abs(numeric - analytic));
                    maxGrad = Math.Max(maxGrad, Math.Abs(analytic));
                }
            }
        }
        Assert.True(maxGrad > 1e-4, "the gradient should not vanish");
        Assert.True(maxErr < 1e-7, $"max |analytic − numeric| = {maxErr} (largest gradient {maxGrad})");
    }
}
