using VisionR1.Grpo.Loss;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Grpo;

/// <summary>
/// Each policy objective and KL estimator of <see cref="GrpoLoss"/> against its formula and its derivative worked out by hand, on a
/// batch of four completions of uneven length (3, 2, 1 tokens and one truncated completion masked out) whose ratios fall inside and
/// outside the clip ranges.
/// </summary>
public sealed class PolicyObjectiveTests
{
    private const int B = 4, L = 4;
    private const double Tol = 1e-12;
    private static readonly int[] Lengths = [3, 2, 0, 1]; // row 2: truncated and masked out
    private static readonly double[] Adv = [1.0, -0.5, 0.8, -1.2];
    private static readonly double[,] LogRatio = // log π − log π_old
    {
        { 0.1, 0.3, -0.05, 0.0 },
        { -0.4, 0.05, 0.0, 0.0 },
        { 0.2, 0.1, -0.1, 0.3 },
        { 0.25, 0.0, 0.0, 0.0 },
    };
    private static readonly double[,] RefDelta = // log π_ref − log π
    {
        { 0.3, -0.2, 0.1, 0.0 },
        { -0.5, 0.4, 0.0, 0.0 },
        { 0.1, 0.1, 0.1, 0.1 },
        { 0.7, 0.0, 0.0, 0.0 },
    };

    public PolicyObjectiveTests() => VisionR1Runtime.Initialize("cpu", threads: 1);

    private static double LogP(int i, int t) => -0.3 - 0.1 * i - 0.05 * t;

    private static double M(int i, int t) => t < Lengths[i] ? 1 : 0;

    private static double Tokens => Lengths.Sum();

    private static double Clip(double x, double lo, double hi) => Math.Min(Math.Max(x, lo), hi);

    /// <summary>−min(ρA, clip(ρ)A) and its derivative in log π (through ρ when the unclipped term is the minimum, else 0).</summary>
    private static (double Value, double Grad) Surrogate(double rho, double a, double epsLow, double epsHigh)
    {
        double unclipped = rho * a, clipped = Clip(rho, 1 - epsLow, 1 + epsHigh) * a;
        return unclipped <= clipped ? (-unclipped, -unclipped) : (-clipped, 0);
    }

    /// <summary>Runs the loss with gradient on log π; returns the loss, its gradient (B·L, row-major) and the statistics.</summary>
    private static (double Loss, double[] Grad, GrpoLossStats Stats) Run(GrpoLossOptions options, Tensor? advantages = null, bool withRef = false)
    {
        using var scope = NewDisposeScope();
        var lp = new double[B * L];
        var old = new double[B * L];
        var reference = new double[B * L];
        var mask = new double[B * L];
        for (int i = 0; i < B; i++)
            for (int t = 0; t < L; t++)
            {
                lp[i * L + t] = LogP(i, t);
                old[i * L + t] = LogP(i, t) - LogRatio[i, t];
                reference[i * L + t] = LogP(i, t) + RefDelta[i, t];
                mask[i * L + t] = M(i, t);
            }
        var logp = tensor(lp, new long[] { B, L }).requires_grad_();
        var inputs = new GrpoLossInputs(logp, tensor(old, new long[] { B, L }), withRef ? tensor(reference, new long[] { B, L }) : null,
            advantages ?? tensor(Adv), tensor(mask, new long[] { B, L }));
        var result = GrpoLoss.Compute(inputs, options);
        result.Loss.backward();
        return (result.Loss.item<double>(), logp.grad!.data<double>().ToArray(), result.Stats);
    }

    private static void AssertGrad(Func<int, int, double> expected, double[] grad)
    {
        for (int i = 0; i < B; i++)
            for (int t = 0; t < L; t++)
                Assert.Equal(expected(i, t), grad[i * L + t], Tol);
    }

    [Fact]
    public void Token_clip_matches_the_clipped_surrogate_and_its_gradient_per_token()
    {
        var (loss, grad, stats) = Run(new GrpoLossOptions(EpsilonLow: 0.2, EpsilonHigh: 0.25, Beta: 0));
        double expected = 0;
        for (int i = 0; i < B; i++)
            for (int t = 0; t < L; t++)
                expected += M(i, t) * Surrogate(Math.Exp(LogRatio[i, t]), Adv[i], 0.2, 0.25).Value;
        Assert.Equal(expected / Tokens, loss, Tol);
        AssertGrad((i, t) => M(i, t) * Surrogate(Math.Exp(LogRatio[i, t]), Adv[i], 0.2, 0.25).Grad / Tokens, grad);
        // Row 0, token 1: ρ = e^0.3 > 1.25 with Â > 0, clipped; row 1, token 0: ρ = e^-0.4 < 0.8 with Â < 0, clipped.
        Assert.Equal(0.0, grad[1]);
        Assert.Equal(0.0, grad[L]);
        Assert.Equal(2 / Tokens, stats.ClipFraction, Tol);
    }

    [Fact]
    public void Gspo_clips_the_length_normalised_sequence_ratio_and_averages_over_sequences()
    {
        const double eps = 0.15;
        var (loss, grad, stats) = Run(new GrpoLossOptions(EpsilonLow: eps, Beta: 0, Aggregation: LossAggregation.SequenceMean, Objective: PolicyObjective.SequenceClip));
        var s = new double[B];
        double expected = 0;
        var g = new double[B];
        for (int i = 0; i < B; i++)
        {
            double sum = 0;
            for (int t = 0; t < Lengths[i]; t++) sum += LogRatio[i, t];
            s[i] = Math.Exp(Lengths[i] == 0 ? 0 : sum / Lengths[i]);
            var (value, ds) = Surrogate(s[i], Adv[i], eps, eps);
            if (Lengths[i] > 0) expected += value;
            g[i] = ds; // ∂ℓ_i/∂ log s_i; ∂ log s_i/∂ log π_{i,t} = m/|o_i|
        }
        Assert.Equal(expected / B, loss, Tol);
        AssertGrad((i, t) => Lengths[i] == 0 ? 0 : g[i] * M(i, t) / Lengths[i] / B, grad);
        // Row 0's s = e^(0.35/3) lies inside [0.85, 1.15]; row 1's e^-0.175 < 0.85 with Â < 0 is clipped (no gradient);
        // row 3's e^0.25 with Â < 0 keeps the unclipped term.
        Assert.NotEqual(0.0, grad[0]);
        Assert.Equal(0.0, grad[L]);
        Assert.NotEqual(0.0, grad[3 * L]);
        Assert.Equal(s[3], stats.RatioMax, Tol);
    }

    [Fact]
    public void Gspo_token_has_the_sequence_ratio_as_value_and_a_per_token_gradient_for_per_token_advantages()
    {
        const double eps = 0.15;
        var advTok = new double[B * L];
        for (int i = 0; i < B; i++)
            for (int t = 0; t < L; t++)
                advTok[i * L + t] = Adv[i] + 0.1 * t;
        var options = new GrpoLossOptions(EpsilonLow: eps, Beta: 0, Aggregation: LossAggregation.SequenceMean, Objective: PolicyObjective.SequenceClipToken);
        var (loss, grad, _) = Run(options, tensor(advTok, new long[] { B, L }));
        double expected = 0;
        var gradExpected = new double[B * L];
        for (int i = 0; i < B; i++)
        {
            if (Lengths[i] == 0) continue;
            double sum = 0;
            for (int t = 0; t < Lengths[i]; t++) sum += LogRatio[i, t];
            double s = Math.Exp(sum / Lengths[i]);
            for (int t = 0; t < Lengths[i]; t++)
            {
                var (value, ds) = Surrogate(s, advTok[i * L + t], eps, eps);
                expected += value / Lengths[i];
                gradExpected[i * L + t] = ds / Lengths[i] / B; // through π_θ(o_t)/sg[π_θ(o_t)] only
            }
        }
        Assert.Equal(expected / B, loss, Tol);
        AssertGrad((i, t) => gradExpected[i * L + t], grad);

        // With one advantage per completion, GSPO-token's gradient is GSPO's.
        var seq = Run(options with { Objective = PolicyObjective.SequenceClip });
        var tok = Run(options);
        Assert.Equal(seq.Loss, tok.Loss, Tol);
        for (int k = 0; k < B * L; k++) Assert.Equal(seq.Grad[k], tok.Grad[k], Tol);
    }

    [Fact]
    public void Cispo_weights_the_log_probability_by_the_clipped_stop_gradient_ratio()
    {
        var (loss, grad, stats) = Run(new GrpoLossOptions(EpsilonLow: 1, EpsilonHigh: 0.2, Beta: 0, Objective: PolicyObjective.Cispo));
        double expected = 0;
        for (int i = 0; i < B; i++)
            for (int t = 0; t < L; t++)
                expected += M(i, t) * -Clip(Math.Exp(LogRatio[i, t]), 0, 1.2) * Adv[i] * LogP(i, t);
        Assert.Equal(expected / Tokens, loss, Tol);
        // The weight carries no gradient: ∂ℓ/∂ log π = −w·Â, also where the weight is clipped (no token is dropped).
        AssertGrad((i, t) => M(i, t) * -Clip(Math.Exp(LogRatio[i, t]), 0, 1.2) * Adv[i] / Tokens, grad);
        Assert.NotEqual(0.0, grad[1]); // ρ = e^0.3 clipped to 1.2, still a gradient
        Assert.Equal(2 / Tokens, stats.ClipFraction, Tol); // e^0.3 and e^0.25 above 1.2 (e^0.2 and e^0.3 of the masked row do not count)
    }

    [Theory]
    [InlineData(KlEstimator.K1)]
    [InlineData(KlEstimator.K2)]
    [InlineData(KlEstimator.K3)]
    public void Kl_estimator_in_the_loss_adds_beta_times_its_value_and_gradient(KlEstimator estimator)
    {
        const double beta = 0.1;
        static (double Value, double Grad) Kl(KlEstimator k, double d) => k switch // d = log π_ref − log π; Grad is ∂/∂ log π
        {
            KlEstimator.K1 => (-d, 1),
            KlEstimator.K2 => (d * d / 2, -d),
            _ => (Math.Exp(d) - d - 1, 1 - Math.Exp(d)),
        };
        var plain = Run(new GrpoLossOptions(Beta: 0), withRef: true);
        var (loss, grad, stats) = Run(new GrpoLossOptions(Beta: beta, Kl: estimator), withRef: true);
        double kl = 0;
        for (int i = 0; i < B; i++)
            for (int t = 0; t < L; t++)
                kl += M(i, t) * Kl(estimator, RefDelta[i, t]).Value;
        Assert.Equal(plain.Loss + beta * kl / Tokens, loss, Tol);
        Assert.Equal(kl / Tokens, stats.Kl, Tol);
        AssertGrad((i, t) => plain.Grad[i * L + t] + beta * M(i, t) * Kl(estimator, RefDelta[i, t]).Grad / Tokens, grad);
    }

    [Fact]
    public void Kl_in_the_reward_leaves_the_loss_to_the_policy_term_and_still_reports_the_kl()
    {
        var plain = Run(new GrpoLossOptions(Beta: 0), withRef: true);
        var (loss, grad, stats) = Run(new GrpoLossOptions(Beta: 0.1, Kl: KlEstimator.K1, KlInReward: true), withRef: true);
        Assert.Equal(plain.Loss, loss, Tol);
        for (int k = 0; k < B * L; k++) Assert.Equal(plain.Grad[k], grad[k], Tol);
        Assert.Equal(-(0.3 - 0.2 + 0.1 - 0.5 + 0.4 + 0.7) / Tokens, stats.Kl, Tol);
        // And no reference is needed when the KL is in the reward.
        Run(new GrpoLossOptions(Beta: 0.1, KlInReward: true));
    }

    [Fact]
    public void Per_completion_kl_sums_the_estimator_over_the_counted_tokens()
    {
        using var scope = NewDisposeScope();
        var logp = tensor(new[] { -1.0, -2.0, -0.5, -0.7 }, new long[] { 2, 2 });
        var reference = tensor(new[] { -1.5, -1.0, -0.5, -0.2 }, new long[] { 2, 2 });
        var mask = tensor(new[] { 1f, 1f, 1f, 0f }, new long[] { 2, 2 });
        var k1 = KlDivergence.PerCompletion(logp, reference, mask, KlEstimator.K1);
        Assert.Equal(0.5 + -1.0, k1[0], Tol);
        Assert.Equal(0.0, k1[1], Tol);
        var k2 = KlDivergence.PerCompletion(logp, reference, mask, KlEstimator.K2);
        Assert.Equal(0.125 + 0.5, k2[0], Tol);
        var k3 = KlDivergence.PerCompletion(logp, reference, mask, KlEstimator.K3);
        Assert.Equal(Math.Exp(-0.5) + 0.5 - 1 + Math.Exp(1) - 1 - 1, k3[0], Tol);
    }
}
