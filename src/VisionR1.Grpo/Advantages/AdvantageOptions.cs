namespace VisionR1.Grpo.Advantages;

/// <summary>Options of the group-relative advantage.</summary>
/// <param name="Scaling">Which standard deviation divides the centred reward. Default: the group's, as in GRPO and Vision-R1.</param>
/// <param name="Epsilon">Added to the standard deviation before dividing (1e-4 in TRL and verl).</param>
/// <param name="UnbiasedStd">Whether the standard deviation divides by n − 1 (true, as <c>torch.std</c> in TRL and verl) or by n.</param>
/// <param name="Estimator">The baseline and normalisation; GRPO's group z-score by default (Vision-R1). <paramref name="Scaling"/> applies to it only.</param>
public sealed record AdvantageOptions(
    AdvantageScaling Scaling = AdvantageScaling.GroupStd,
    double Epsilon = 1e-4,
    bool UnbiasedStd = true,
    AdvantageEstimator Estimator = AdvantageEstimator.Grpo)
{
    /// <summary>Throws for options no computation can use.</summary>
    public void Validate()
    {
        if (!(Epsilon >= 0) || double.IsInfinity(Epsilon))
            throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "Epsilon must be a finite number ≥ 0.");
    }
}
