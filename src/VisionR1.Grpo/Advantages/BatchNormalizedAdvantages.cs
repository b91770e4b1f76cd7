namespace VisionR1.Grpo.Advantages;

/// <summary>
/// REINFORCE++ with baseline (Hu et al. 2025, "REINFORCE++: An Efficient RLHF Algorithm with Robustness to Both Prompt and
/// Reward Models", arXiv:2501.03262): the group mean is the baseline, and the normalisation is global over the batch rather
/// than per group, which the paper argues keeps the estimator from overfitting easy prompts:
/// <code>
/// Ã_i = r_i − mean_G r                      (the mean of i's group)
/// Â_i = (Ã_i − mean_B Ã) / (std_B Ã + ε)    (mean and std over every completion of the batch)
/// </code>
/// mean_B Ã is 0 up to rounding (each group's centred rewards sum to 0); it is subtracted as the paper writes it. A group whose
/// rewards are all equal gets 0.
/// </summary>
public static class BatchNormalizedAdvantages
{
    /// <summary>
    /// Computes the advantages of consecutive groups (<c>groupSizes[g]</c> rewards each), whatever
    /// <see cref="AdvantageOptions.Estimator"/> says; ε and the n − 1 or n divisor come from <paramref name="options"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A group size is below 1, the sizes do not add up to the reward count, or a reward is not finite.</exception>
    public static AdvantageResult Compute(ReadOnlySpan<double> rewards, ReadOnlySpan<int> groupSizes, AdvantageOptions? options = null) =>
        GroupAdvantages.Compute(rewards, groupSizes, (options ?? new AdvantageOptions()) with { Estimator = AdvantageEstimator.ReinforcePlusPlus });

    /// <summary>Normalises the group-centred rewards over the batch in place.</summary>
    internal static AdvantageResult FromCentred(AdvantageResult centred, ReadOnlySpan<int> groupSizes, AdvantageOptions options)
    {
        var a = centred.Advantages;
        if (a.Length > 0)
        {
            double mean = 0;
            foreach (var v in a) mean += v;
            mean /= a.Length;
            double std = GroupAdvantages.Std(a, mean, options.UnbiasedStd);
            double divisor = std + options.Epsilon;
            for (int i = 0; i < a.Length; i++) a[i] = divisor == 0 ? 0 : (a[i] - mean) / divisor;
        }
        GroupAdvantages.ClearFlatGroups(centred, groupSizes);
        return centred;
    }
}
