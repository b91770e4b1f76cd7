namespace VisionR1.Grpo.Loss;

/// <summary>Options of the GRPO-family objective (<see cref="GrpoLoss"/>); the defaults are Vision-R1's GRPO.</summary>
/// <param name="EpsilonLow">Lower clip range: the ratio is clipped at 1 − ε_low. 0.2 in Vision-R1 (PPO's usual value); 1 leaves no lower bound (CISPO).</param>
/// <param name="EpsilonHigh">Upper clip range: the ratio is clipped at 1 + ε_high; null means ε_high = ε_low (Vision-R1). DAPO's clip-higher uses 0.28.</param>
/// <param name="Beta">Weight of the KL penalty to the frozen reference. 1e-2 in Vision-R1 (TRL now defaults to 0, which needs no reference model).</param>
/// <param name="DualClip">Dual-clip constant c (3 in the dual-clip PPO paper and verl): for negative advantages the per-token loss is capped at c·|Â|. Null disables it (the default, as in Vision-R1).</param>
/// <param name="LogRatioClamp">Log-ratios (policy vs old, reference vs policy) are clamped to ±this before exp, so one extreme token cannot overflow (20, as verl).</param>
/// <param name="Aggregation">How per-token losses are reduced; token mean by default.</param>
/// <param name="Objective">The ratio and clip of the policy-gradient term: GRPO's token-level clipped surrogate by default; GSPO's sequence-level ratio; CISPO's clipped weight.</param>
/// <param name="Kl">The per-token KL estimator: k3 by default (GRPO, Vision-R1).</param>
/// <param name="KlInReward">
/// Whether β·KL is subtracted from each completion's reward before the advantage, r' = r − β·Σ_t KL_t (REINFORCE-style, as RLOO),
/// instead of added to the per-token loss (the default, as GRPO). The trainer folds it in (<see cref="KlDivergence.PerCompletion"/>);
/// the loss then leaves the KL out and only reports it.
/// </param>
public sealed record GrpoLossOptions(
    double EpsilonLow = 0.2,
    double? EpsilonHigh = null,
    double Beta = 1e-2,
    double? DualClip = null,
    double LogRatioClamp = 20,
    LossAggregation Aggregation = LossAggregation.TokenMean,
    PolicyObjective Objective = PolicyObjective.TokenClip,
    KlEstimator Kl = KlEstimator.K3,
    bool KlInReward = false)
{
    /// <summary>The upper clip range in effect (ε_high, or ε_low when not set).</summary>
    public double EffectiveEpsilonHigh => EpsilonHigh ?? EpsilonLow;

    /// <summary>Throws for values no loss can use.</summary>
    public void Validate()
    {
        if (!(EpsilonLow is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(EpsilonLow), EpsilonLow, "ε_low must be in [0, 1].");
        if (EpsilonHigh is { } h && !(h >= 0 && double.IsFinite(h))) throw new ArgumentOutOfRangeException(nameof(EpsilonHigh), h, "ε_high must be a finite number ≥ 0.");
        if (!(Beta >= 0 && double.IsFinite(Beta))) throw new ArgumentOutOfRangeException(nameof(Beta), Beta, "β must be a finite number ≥ 0.");
        if (DualClip is { } c && !(c > 1 && double.IsFinite(c))) throw new ArgumentOutOfRangeException(nameof(DualClip), c, "The dual-clip constant must be a finite number > 1.");
        if (!Enum.IsDefined(Objective)) throw new ArgumentOutOfRangeException(nameof(Objective), Objective, "Unknown policy objective.");
        if (!Enum.IsDefined(Kl)) throw new ArgumentOutOfRangeException(nameof(Kl), Kl, "Unknown KL estimator.");
        if (!(LogRatioClamp > 0)) throw new ArgumentOutOfRangeException(nameof(LogRatioClamp), LogRatioClamp, "The log-ratio clamp must be > 0.");
    }
}
