using System.Numerics.Tensors;

namespace VisionR1.Grpo.Advantages;

/// <summary>
/// Group-relative advantages: Â_i = (r_i − mean of its group) / (std + ε), one scalar per
/// completion that the loss broadcasts over the completion's tokens. Groups may differ in size
/// (e.g. after dynamic sampling drops or refills some).
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

        var advantages = new double[rewards.Length];
        var means = new double[groupSizes.Length];
        var stds = new double[groupSizes.Length];
        int zeroSpread = 0;
        int start = 0;
        for (int g = 0; g < groupSizes.Length; g++)
        {
            var group = rewards.Slice(start, groupSizes[g]);
            means[g] = TensorPrimitives.Sum(group) / group.Length;
            stds[g] = Std(group, means[g], options.UnbiasedStd);
            if (TensorPrimitives.Max(group) == TensorPrimitives.Min(group))
            {
                zeroSpread++;
                stds[g] = 0; // exactly zero, whatever rounding the sum of squares did
            }
            var target = advantages.AsSpan(start, group.Length);
            TensorPrimitives.Subtract(group, means[g], target);
            start += group.Length;
        }

        Scale(advantages, rewards, groupSizes, stds, options);

        // A zero-spread group has zero advantage whatever ε is (0 / ε would be 0 anyway; this
        // guards against ε = 0 giving NaN).
        start = 0;
        for (int g = 0; g < groupSizes.Length; g++)
        {
            if (stds[g] == 0) advantages.AsSpan(start, groupSizes[g]).Clear();
            start += groupSizes[g];
        }

        return new AdvantageResult(advantages, means, stds, zeroSpread, groupSizes.Length == 0 ? 0 : (double)zeroSpread / groupSizes.Length);
    }

    /// <summary>Throws unless every group has a completion, the sizes add up to the rewards, and every reward is finite.</summary>
    private static void CheckInputs(ReadOnlySpan<double> rewards, ReadOnlySpan<int> groupSizes)
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

    /// <summary>Divides the centred rewards in <paramref name="advantages"/> as <see cref="AdvantageOptions.Scaling"/> says.</summary>
    private static void Scale(double[] advantages, ReadOnlySpan<double> rewards, ReadOnlySpan<int> groupSizes, double[] stds, AdvantageOptions options)
    {
        switch (options.Scaling)
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
                throw new ArgumentOutOfRangeException(nameof(options), options.Scaling, "Unknown advantage scaling.");
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

    private static double Std(ReadOnlySpan<double> values, double mean, bool unbiased)
    {
        int n = values.Length;
        if (n == 0 || (unbiased && n == 1)) return 0;
        double ss = 0;
        foreach (var v in values) ss += (v - mean) * (v - mean);
        return Math.Sqrt(ss / (unbiased ? n - 1 : n));
    }
}
