using System.Numerics.Tensors;

namespace VisionR1.Grpo.Advantages;

/// <summary>
/// Group-relative advantages: one scalar per completion that the loss broadcasts over the completion's tokens, from the
/// rewards of its group as <see cref="AdvantageOptions.Estimator"/> says: GRPO's Â_i = (r_i − mean of its group) / (std + ε)
/// by default, Dr. GRPO's mean-only <see cref="Centred"/>, RLOO's <see cref="LeaveOneOutAdvantages"/> or REINFORCE++'s
/// <see cref="BatchNormalizedAdvantages"/>. Groups may differ in size (e.g. after dynamic sampling drops or refills some).
/// Whatever the estimator, a group whose rewards are all equal gets advantage 0.
/// </summary>
public static class GroupAdvantages
{
    /// <summary>
    /// Computes advantages for consecutive groups: the first <c>groupSizes[0]</c> rewards form group 0,
    /// the next <c>groupSizes[1]</c> group 1, and so on.
    /// </summary>
    /// <exception cref="ArgumentException">A group size is below 1, the sizes do not add up to the reward count, or a reward is not finite.</exception>
    public static AdvantageResult Compute(ReadOnlySpan<double> rewards, ReadOnlySpan<int> groupSizes, AdvantageOptions? options = null)
    {
        options ??= new AdvantageOptions();
        options.Validate();
        CheckInputs(rewards, groupSizes);
        return options.Estimator switch
        {
            AdvantageEstimator.Grpo => ZScore(rewards, groupSizes, options, options.Scaling),
            AdvantageEstimator.DrGrpo => ZScore(rewards, groupSizes, options, AdvantageScaling.None),
            AdvantageEstimator.Rloo => LeaveOneOutAdvantages.FromCentred(Centre(rewards, groupSizes, options.UnbiasedStd), groupSizes),
            AdvantageEstimator.ReinforcePlusPlus => BatchNormalizedAdvantages.FromCentred(Centre(rewards, groupSizes, options.UnbiasedStd), groupSizes, options),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Estimator, "Unknown advantage estimator."),
        };
    }

    /// <summary>
    /// Dr. GRPO's mean-only advantage (Liu et al. 2025, arXiv:2503.20783): Â_i = r_i − mean of its group, no standard
    /// deviation (<see cref="AdvantageEstimator.DrGrpo"/>).
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Compute(ReadOnlySpan{double}, ReadOnlySpan{int}, AdvantageOptions?)"/>.</exception>
    public static AdvantageResult Centred(ReadOnlySpan<double> rewards, ReadOnlySpan<int> groupSizes) =>
        Compute(rewards, groupSizes, new AdvantageOptions(Estimator: AdvantageEstimator.DrGrpo));

    /// <summary>GRPO's centred rewards divided as <paramref name="scaling"/> says.</summary>
    private static AdvantageResult ZScore(ReadOnlySpan<double> rewards, ReadOnlySpan<int> groupSizes, AdvantageOptions options, AdvantageScaling scaling)
    {
        var centred = Centre(rewards, groupSizes, options.UnbiasedStd);
        Scale(centred.Advantages, rewards, groupSizes, centred.GroupStds, options, scaling);
        // A zero-spread group has zero advantage whatever ε is (0 / ε would be 0 anyway; this
        // guards against ε = 0 giving NaN).
        ClearFlatGroups(centred, groupSizes);
        return centred;
    }

    /// <summary>
    /// The rewards minus their group's mean (<see cref="AdvantageResult.Advantages"/>), each group's mean and standard deviation
    /// (exactly 0 for a group whose rewards are all equal), and the count of such groups.
    /// </summary>
    internal static AdvantageResult Centre(ReadOnlySpan<double> rewards, ReadOnlySpan<int> groupSizes, bool unbiasedStd)
    {
        var advantages = new double[rewards.Length];
        var means = new double[groupSizes.Length];
        var stds = new double[groupSizes.Length];
        int zeroSpread = 0;
        int start = 0;
        for (int g = 0; g < groupSizes.Length; g++)
        {
            var group = rewards.Slice(start, groupSizes[g]);
            means[g] = TensorPrimitives.Sum(group) / group.Length;
            stds[g] = Std(group, means[g], unbiasedStd);
            if (TensorPrimitives.Max(group) == TensorPrimitives.Min(group))
            {
                zeroSpread++;
                stds[g] = 0; // exactly zero, whatever rounding the sum of squares did
            }
            var target = advantages.AsSpan(start, group.Length);
            TensorPrimitives.Subtract(group, means[g], target);
            start += group.Length;
        }
        return new AdvantageResult(advantages, means, stds, zeroSpread, groupSizes.Length == 0 ? 0 : (double)zeroSpread / groupSizes.Length);
    }

    /// <summary>Sets the advantages of every group whose rewards are all equal to exactly 0.</summary>
    internal static void ClearFlatGroups(AdvantageResult result, ReadOnlySpan<int> groupSizes)
    {
        int start = 0;
        for (int g = 0; g < groupSizes.Length; g++)
        {
            if (result.GroupStds[g] == 0) result.Advantages.AsSpan(start, groupSizes[g]).Clear();
            start += groupSizes[g];
        }
    }

    /// <summary>Throws unless every group has a completion, the sizes add up to the rewards, and every reward is finite.</summary>
    internal static void CheckInputs(ReadOnlySpan<double> rewards, ReadOnlySpan<int> groupSizes)
    {
        long total = 0;
        for (int g = 0; g < groupSizes.Length; g++)
        {
            if (groupSizes[g] < 1)
                throw new ArgumentException($"Group {g} has size {groupSizes[g]}; every group needs at least one completion.", nameof(groupSizes));
            total += groupSizes[g];
        }
        if (total != rewards.Length)
            throw new ArgumentException($"The group sizes add up to {total} but {rewards.Length} rewards were given.", nameof(groupSizes));
        for (int i = 0; i < rewards.Length; i++)
            if (!double.IsFinite(rewards[i]))
                throw new ArgumentException($"Reward {i} is {rewards[i]}; rewards must be finite.", nameof(rewards));
    }

    /// <summary>Divides the centred rewards in <paramref name="advantages"/> as <paramref name="scaling"/> says.</summary>
    private static void Scale(double[] advantages, ReadOnlySpan<double> rewards, ReadOnlySpan<int> groupSizes, double[] stds, AdvantageOptions options, AdvantageScaling scaling)
    {
        switch (scaling)
        {
            case AdvantageScaling.GroupStd:
                int start = 0;
                for (int g = 0; g < groupSizes.Length; g++)
                {
                    TensorPrimitives.Divide(advantages.AsSpan(start, groupSizes[g]), stds[g] + options.Epsilon, advantages.AsSpan(start, groupSizes[g]));
                    start += groupSizes[g];
                }
                break;
            case AdvantageScaling.BatchStd:
                if (rewards.Length > 0)
                {
                    double batchMean = TensorPrimitives.Sum(rewards) / rewards.Length;
                    double batchStd = Std(rewards, batchMean, options.UnbiasedStd);
                    TensorPrimitives.Divide(advantages, batchStd + options.Epsilon, advantages);
                }
                break;
            case AdvantageScaling.None:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(options), scaling, "Unknown advantage scaling.");
        }
    }

    /// <summary>Computes advantages for groups that all have <paramref name="groupSize"/> completions.</summary>
    public static AdvantageResult Compute(ReadOnlySpan<double> rewards, int groupSize, AdvantageOptions? options = null)
    {
        if (groupSize < 1) throw new ArgumentOutOfRangeException(nameof(groupSize), groupSize, "The group size must be at least 1.");
        if (rewards.Length % groupSize != 0)
            throw new ArgumentException($"{rewards.Length} rewards do not split into groups of {groupSize}.", nameof(rewards));
        var sizes = new int[rewards.Length / groupSize];
        Array.Fill(sizes, groupSize);
        return Compute(rewards, sizes, options);
    }

    /// <summary>The standard deviation of <paramref name="values"/> around <paramref name="mean"/> (0 for none, or one value when unbiased).</summary>
    internal static double Std(ReadOnlySpan<double> values, double mean, bool unbiased)
    {
        int n = values.Length;
        if (n == 0 || (unbiased && n == 1)) return 0;
        double ss = 0;
        foreach (var v in values) ss += (v - mean) * (v - mean);
        return Math.Sqrt(ss / (unbiased ? n - 1 : n));
    }
}
