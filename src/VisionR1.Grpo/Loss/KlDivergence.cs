using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Loss;

/// <summary>The per-token KL estimators of <see cref="KlEstimator"/> and the per-completion KL that REINFORCE-style methods fold into the reward.</summary>
public static class KlDivergence
{
    /// <summary>
    /// The estimate of KL(π_θ ‖ π_ref) at each sampled token, (B, L), from log π_θ (<paramref name="logProbs"/>, whose gradient flows through)
    /// and log π_ref (<paramref name="refLogProbs"/>, detached), with d = clamp(log π_ref − log π_θ, ±<paramref name="logRatioClamp"/>):
    /// k1 = −d, k2 = d² / 2, k3 = exp(d) − d − 1.
    /// </summary>
    public static Tensor PerToken(Tensor logProbs, Tensor refLogProbs, KlEstimator estimator, double logRatioClamp = 20)
    {
        ArgumentNullException.ThrowIfNull(logProbs);
        ArgumentNullException.ThrowIfNull(refLogProbs);
        using var scope = NewDisposeScope();
        var d = Scalars.Clamp(refLogProbs.detach().to_type(logProbs.dtype) - logProbs, -logRatioClamp, logRatioClamp);
        var kl = estimator switch
        {
            KlEstimator.K3 => Scalars.Sub(d.exp() - d, 1),
            KlEstimator.K1 => -d,
            KlEstimator.K2 => Scalars.Mul(d * d, 0.5),
            _ => throw new ArgumentOutOfRangeException(nameof(estimator), estimator, "Unknown KL estimator."),
        };
        return kl.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Each completion's KL summed over its counted tokens, Σ_t m_t·k_t, without gradient: what REINFORCE-style methods subtract from the reward,
    /// r'_i = r_i − β·Σ_t m_t·k_t, before the advantage (<see cref="GrpoLossOptions.KlInReward"/>). Returns one value per row of the mask.
    /// </summary>
    public static double[] PerCompletion(Tensor logProbs, Tensor refLogProbs, Tensor completionMask, KlEstimator estimator, double logRatioClamp = 20)
    {
        ArgumentNullException.ThrowIfNull(completionMask);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var kl = PerToken(logProbs.detach().to_type(ScalarType.Float64), refLogProbs, estimator, logRatioClamp);
        var sums = (kl * completionMask.to(kl.device).to_type(ScalarType.Float64)).sum(1).cpu();
        return sums.data<double>().ToArray();
    }
}
