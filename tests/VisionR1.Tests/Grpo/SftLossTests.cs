using VisionR1.Grpo.Loss;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Grpo;

public sealed class SftLossTests
{
    public SftLossTests() => VisionR1Runtime.Initialize("cpu", threads: 1);

    [Fact]
    public void Loss_is_the_mean_nll_of_the_masked_targets()
    {
        using var scope = NewDisposeScope();
        // Two positions over a 2-token vocabulary; only the second is an assistant token.
        var logits = tensor(new double[] { 0, 0, Math.Log(3), 0 }, new long[] { 1, 2, 2 }, dtype: ScalarType.Float64);
        var targets = tensor(new long[] { 1, 0 }, new long[] { 1, 2 });
        var mask = tensor(new long[] { 0, 1 }, new long[] { 1, 2 });
        var logp = LogitLogProbs.Compute(logits, targets).LogProbs;
        Assert.Equal(-Math.Log(0.75), SftLoss.Compute(logp, mask).item<double>(), 12);
        Assert.Equal(-Math.Log(0.75) / 4, SftLoss.Compute(logp, mask, tokenCount: 4).item<double>(), 12);
    }

    [Fact]
    public void Non_assistant_positions_get_no_gradient()
    {
        using var scope = NewDisposeScope();
        var logits = randn(new long[] { 2, 3, 5 }, dtype: ScalarType.Float64).requires_grad_(true);
        var targets = randint(0, 5, new long[] { 2, 3 });
        var mask = tensor(new long[] { 0, 1, 1, 0, 0, 1 }, new long[] { 2, 3 });
        SftLoss.Compute(LogitLogProbs.Compute(logits, targets).LogProbs, mask).backward();
        var perPosition = logits.grad!.abs().sum(-1);
        Assert.Equal(0.0, perPosition[0, 0].item<double>());
        Assert.Equal(0.0, perPosition[1, 0].item<double>());
        Assert.Equal(0.0, perPosition[1, 1].item<double>());
        Assert.True(perPosition[0, 1].item<double>() > 0);
        Assert.True(perPosition[1, 2].item<double>() > 0);
    }
}
