using VisionR1.Grpo.Loss;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Grpo;

public sealed class GrpoLossTests
{
    private const double Tol = 1e-9;

    public GrpoLossTests() => VisionR1Runtime.Initialize("cpu", threads: 1);

    private static Tensor T(double[] values, params long[] shape) => tensor(values, shape, dtype: ScalarType.Float64);

    /// <summary>Two tokens with ratios 1.5 and 0.5 (old log-prob 0).</summary>
    private static GrpoLossResult TwoTokens(double advantage, GrpoLossOptions options)
    {
        var logp = T([Math.Log(1.5), Math.Log(0.5)], 1, 2);
        return GrpoLoss.Compute(new GrpoLossInputs(logp, zeros_like(logp), logp.clone(), T([advantage], 1), ones_like(logp)), options);
    }

    [Fact]
    public void Positive_advantage_clips_the_ratio_above_one_plus_epsilon()
    {
        using var scope = NewDisposeScope();
        // token 1: min(1.5, 1.2) = 1.2; token 2: min(0.5, 0.8) = 0.5; loss = -(1.2 + 0.5) / 2.
        var r = TwoTokens(1.0, new GrpoLossOptions(Beta: 0));
        Assert.Equal(-0.85, r.Loss.item<double>(), Tol);
        Assert.Equal(0.5, r.Stats.ClipFraction, Tol);
        Assert.Equal(0.5, r.Stats.HighClipFraction, Tol);
        Assert.Equal(0.0, r.Stats.LowClipFraction, Tol);
        Assert.Equal(1.0, r.Stats.RatioMean, Tol);
        Assert.Equal(0.5, r.Stats.RatioMin, Tol);
        Assert.Equal(1.5, r.Stats.RatioMax, Tol);
    }

    [Fact]
    public void Negative_advantage_clips_the_ratio_below_one_minus_epsilon()
    {
        using var scope = NewDisposeScope();
        // token 1: min(-1.5, -1.2) = -1.5; token 2: min(-0.5, -0.8) = -0.8; loss = (1.5 + 0.8) / 2.
        var r = TwoTokens(-1.0, new GrpoLossOptions(Beta: 0));
        Assert.Equal(1.15, r.Loss.item<double>(), Tol);
        Assert.Equal(0.5, r.Stats.LowClipFraction, Tol);
        Assert.Equal(0.0, r.Stats.HighClipFraction, Tol);
    }

    [Fact]
    public void Clip_higher_widens_only_the_upper_range()
    {
        using var scope = NewDisposeScope();
        var r = TwoTokens(1.0, new GrpoLossOptions(EpsilonHigh: 0.28, Beta: 0));
        Assert.Equal(-(1.28 + 0.5) / 2, r.Loss.item<double>(), Tol);
    }

    [Fact]
    public void Dual_clip_caps_the_loss_of_negative_advantages_at_c_times_abs_advantage()
    {
        using var scope = NewDisposeScope();
        var logp = T([Math.Log(4.0)], 1, 1);
        GrpoLossInputs In() => new(logp, zeros_like(logp), null, T([-1.0], 1), ones_like(logp));
        Assert.Equal(4.0, GrpoLoss.Compute(In(), new GrpoLossOptions(Beta: 0)).Loss.item<double>(), Tol);
        var dual = GrpoLoss.Compute(In(), new GrpoLossOptions(Beta: 0, DualClip: 3));
        Assert.Equal(3.0, dual.Loss.item<double>(), Tol);
        Assert.Equal(1.0, dual.Stats.DualClipFraction, Tol);
    }

    [Fact]
    public void Log_ratio_is_clamped_before_exp()
    {
        using var scope = NewDisposeScope();
        var logp = T([0.0], 1, 1);
        var old = T([-1000.0], 1, 1);
        var r = GrpoLoss.Compute(new GrpoLossInputs(logp, old, null, T([1.0], 1), ones_like(logp)), new GrpoLossOptions(Beta: 0, LogRatioClamp: 20));
        Assert.Equal(Math.Exp(20), r.Stats.RatioMax, 1e-3);
        Assert.True(double.IsFinite(r.Loss.item<double>()));
    }

    [Fact]
    public void K3_is_zero_when_policy_equals_reference_and_positive_otherwise()
    {
        using var scope = NewDisposeScope();
        var logp = T([Math.Log(0.3), Math.Log(0.9)], 1, 2);
        var same = GrpoLoss.Compute(new GrpoLossInputs(logp, logp, logp, T([0.0], 1), ones_like(logp)), new GrpoLossOptions(Beta: 0.5));
        Assert.Equal(0.0, same.Stats.Kl, Tol);
        Assert.Equal(0.0, same.Loss.item<double>(), Tol);

        // ref − policy = ln 0.5 on both tokens: k3 = 0.5 − ln 0.5 − 1.
        var refLogp = logp + Math.Log(0.5);
        var diff = GrpoLoss.Compute(new GrpoLossInputs(logp, logp, refLogp, T([0.0], 1), ones_like(logp)), new GrpoLossOptions(Beta: 0.5));
        double k3 = 0.5 - Math.Log(0.5) - 1;
        Assert.Equal(k3, diff.Stats.Kl, Tol);
        Assert.True(diff.Stats.Kl > 0);
        Assert.Equal(0.5 * k3, diff.Loss.item<double>(), Tol);
    }

    [Fact]
    public void One_update_per_rollout_gives_unit_ratio_and_a_loss_near_zero_but_a_real_gradient()
    {
        using var scope = NewDisposeScope();
        var w = T([0.1, -0.2, 0.3, 0.05], 2, 2).requires_grad_(true);
        var logp = w.log_softmax(-1);
        var r = GrpoLoss.Compute(new GrpoLossInputs(logp, logp.detach(), null, T([1.0, -1.0], 2), ones_like(logp)),
            new GrpoLossOptions(Beta: 0, Aggregation: LossAggregation.SequenceMean));
        Assert.Equal(1.0, r.Stats.RatioMin, Tol);
        Assert.Equal(1.0, r.Stats.RatioMax, Tol);
        Assert.Equal(0.0, r.Loss.item<double>(), Tol);
        r.Loss.backward();
        Assert.True(w.grad!.abs().sum().item<double>() > 0.1);
    }

    // Per-token loss −Â with ρ = 1: Â = [1, −2], mask [[1,1,1],[1,0,0]].
    private static GrpoLossResult Aggregate(LossAggregation mode, LossDenominator? denominator = null)
    {
        var logp = T([-0.1, -0.2, -0.3, -0.4, -0.5, -0.6], 2, 3);
        var mask = T([1, 1, 1, 1, 0, 0], 2, 3);
        return GrpoLoss.Compute(new GrpoLossInputs(logp, logp, null, T([1.0, -2.0], 2), mask), new GrpoLossOptions(Beta: 0, Aggregation: mode), denominator);
    }

    [Fact]
    public void Token_mean_divides_by_all_counted_tokens()
    {
        using var scope = NewDisposeScope();
        Assert.Equal((-3.0 + 2.0) / 4, Aggregate(LossAggregation.TokenMean).Loss.item<double>(), Tol);
    }

    [Fact]
    public void Sequence_mean_averages_each_completion_first()
    {
        using var scope = NewDisposeScope();
        Assert.Equal((-1.0 + 2.0) / 2, Aggregate(LossAggregation.SequenceMean).Loss.item<double>(), Tol);
    }

    [Fact]
    public void Dr_grpo_divides_by_batch_times_max_length()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(-1.0 / 6, Aggregate(LossAggregation.DrGrpo).Loss.item<double>(), Tol);
        Assert.Equal(-1.0 / 8, Aggregate(LossAggregation.DrGrpo, new LossDenominator(4, 2, 4)).Loss.item<double>(), Tol);
    }

    [Fact]
    public void Micro_batches_with_the_whole_batch_denominator_sum_to_the_whole_batch_loss()
    {
        using var scope = NewDisposeScope();
        var logp = T([-0.1, -0.2, -0.3, -0.4, -0.5, -0.6], 2, 3);
        var mask = T([1, 1, 1, 1, 0, 0], 2, 3);
        var adv = T([1.0, -2.0], 2);
        foreach (var mode in Enum.GetValues<LossAggregation>())
        {
            var options = new GrpoLossOptions(Beta: 0, Aggregation: mode);
            var whole = GrpoLoss.Compute(new GrpoLossInputs(logp, logp, null, adv, mask), options).Loss.item<double>();
            var denom = LossDenominator.For(mask);
            double parts = 0;
            for (int i = 0; i < 2; i++)
            {
                var s = logp[i..(i + 1)];
                parts += GrpoLoss.Compute(new GrpoLossInputs(s, s, null, adv[i..(i + 1)], mask[i..(i + 1)]), options, denom).Loss.item<double>();
            }
            Assert.Equal(whole, parts, Tol);
        }
    }

    [Fact]
    public void Entropy_is_reported_as_a_masked_mean()
    {
        using var scope = NewDisposeScope();
        var logp = T([-0.1, -0.2], 1, 2);
        var r = GrpoLoss.Compute(new GrpoLossInputs(logp, logp, null, T([1.0], 1), T([1, 0], 1, 2), T([0.7, 5.0], 1, 2)), new GrpoLossOptions(Beta: 0));
        Assert.Equal(0.7, r.Stats.Entropy!.Value, Tol);
    }

    [Fact]
    public void Positive_beta_without_reference_and_mismatched_shapes_are_rejected()
    {
        using var scope = NewDisposeScope();
        var logp = T([-0.1, -0.2], 1, 2);
        var e = Assert.Throws<ArgumentException>(() => GrpoLoss.Compute(new GrpoLossInputs(logp, logp, null, T([1.0], 1), ones_like(logp))));
        Assert.Contains("reference", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => GrpoLoss.Compute(new GrpoLossInputs(logp, T([0.0], 1, 1), null, T([1.0], 1), ones_like(logp)), new GrpoLossOptions(Beta: 0)));
        Assert.Contains("OldLogProbs", e2.Message);
    }

    [Theory]
    [InlineData(LossAggregation.TokenMean)]
    [InlineData(LossAggregation.SequenceMean)]
    [InlineData(LossAggregation.DrGrpo)]
    public void Gradient_matches_double_precision_finite_differences_on_a_linear_policy(LossAggregation mode)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(1234);
        const int b = 3, l = 4, d = 5, v = 7;
        var features = randn(new long[] { b, l, d }, dtype: ScalarType.Float64, generator: gen);
        var targets = randint(0, v, new long[] { b, l }, generator: gen);
        var weight = (randn(new long[] { v, d }, dtype: ScalarType.Float64, generator: gen) * 0.5).requires_grad_(true);
        const double temperature = 0.7;
        Tensor LogProbs(Tensor w) => LogitLogProbs.Compute(features.matmul(w.t()), targets, temperature).LogProbs;
        Tensor old, reference;
        using (no_grad())
        {
            var base0 = LogProbs(weight);
            old = base0 + randn(new long[] { b, l }, dtype: ScalarType.Float64, generator: gen) * 0.3; // ratios spread over and beyond the clip range
            reference = base0 + randn(new long[] { b, l }, dtype: ScalarType.Float64, generator: gen) * 0.3;
        }
        var adv = tensor(new[] { 1.3, -0.7, -2.0 }, dtype: ScalarType.Float64);
        var mask = tensor(new double[] { 1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1 }, new long[] { b, l }, dtype: ScalarType.Float64);
        var options = new GrpoLossOptions(EpsilonHigh: 0.28, Beta: 0.1, DualClip: 3, Aggregation: mode);
        double Loss(Tensor w) => GrpoLoss.Compute(new GrpoLossInputs(LogProbs(w), old, reference, adv, mask), options).Loss.item<double>();

        var loss = GrpoLoss.Compute(new GrpoLossInputs(LogProbs(weight), old, reference, adv, mask), options).Loss;
        loss.backward();
        var analytic = weight.grad!.clone();
        const double h = 1e-6;
        double maxErr = 0, maxGrad = 0;
        using (no_grad())
        {
            for (int i = 0; i < v; i++)
            for (int j = 0; j < d; j++)
            {
                var wp = weight.detach().clone();
                wp[i, j] = wp[i, j] + h;
                var wm = weight.detach().clone();
                wm[i, j] = wm[i, j] - h;
                double numeric = (Loss(wp) - Loss(wm)) / (2 * h);
                double a = analytic[i, j].item<double>();
                maxErr = Math.Max(maxErr, Math.Abs(numeric - a));
                maxGrad = Math.Max(maxGrad, Math.Abs(a));
            }
        }
        Assert.True(maxGrad > 1e-3, "the gradient should not vanish");
        Assert.True(maxErr < 1e-7, $"max |analytic − numeric| = {maxErr}");
    }
}
