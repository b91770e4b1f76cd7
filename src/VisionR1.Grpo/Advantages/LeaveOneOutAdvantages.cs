namespace VisionR1.Grpo.Advantages;

/// <summary>
/// RLOO's leave-one-out baseline (Ahmadian et al. 2024, "Back to Basics: Revisiting REINFORCE Style Optimization for Learning
/// from Human Feedback in LLMs", arXiv:2402.14740). Each completion's baseline is the mean reward of the other completions of
/// its group:
/// <code>
/// Â_i = r_i − (1 / (G − 1)) Σ_{j≠i} r_j = G / (G − 1) · (r_i − mean_G r)
/// </code>
/// No standard deviation divides it. A group of one has no other completion to compare with and gets 0, as does a group
/// whose rewards are all equal.
/// </summary>
public static class LeaveOneOutAdvantages
{
    /// <summary>
    /// Computes the advantages of consecutive groups (<c>groupSizes[g]</c> rewards each), whatever
    /// <see cref="AdvantageOptions.Estimator"/> says; <paramref name="options"/> gives only <see cref="AdvantageOptions.UnbiasedStd"/>
    /// for the reported group standard deviations.
    /// </summary>
    /// <exception cref="ArgumentException">A group size is below 1, the sizes do not add up to the reward count, or a reward is not finite.</exception>
    public static AdvantageResult Compute(ReadOnlySpan<double> rewards, ReadOnlySpan<int> groupSizes, AdvantageOptions? options = null) =>
        GroupAdvantages.Compute(rewards, groupSizes, (options ?? new AdvantageOptions()) with { Estimator = AdvantageEstimator.Rloo });

    /// <summary>Scales each group's centred rewards by G / (G − 1) (0 for G = 1) in place.</summary>
    internal static AdvantageResult FromCentred(AdvantageResult centred, ReadOnlySpan<int> groupSizes)
    {
        int start = 0;
        foreach (int size in groupSizes)
        {
            var group = centred.Advantages.AsSpan(start, size);
            if (size == 1) group.Clear();
            else for (int i = 0; i < size; i++) group[i] = group[i] * size / (size - 1);
            start += size;
        }
        GroupAdvantages.ClearFlatGroups(centred, groupSizes);
        return centred;
    }
}
