namespace VisionR1.Grpo.Advantages;

/// <summary>The advantages of one batch of groups, and what the batch's reward spread looked like.</summary>
/// <param name="Advantages">One advantage per completion, in the order of the rewards given.</param>
/// <param name="GroupMeans">The mean reward of each group.</param>
/// <param name="GroupStds">The standard deviation of each group's rewards (0 for a group of one).</param>
/// <param name="ZeroSpreadGroups">How many groups had all rewards equal (their advantages are all 0, so they carry no gradient).</param>
/// <param name="FractionZeroSpread">ZeroSpreadGroups / number of groups (TRL's <c>frac_reward_zero_std</c>).</param>
public sealed record AdvantageResult(
    double[] Advantages,
    double[] GroupMeans,
    double[] GroupStds,
    int ZeroSpreadGroups,
    double FractionZeroSpread)
{
    /// <summary>Whether group <paramref name="group"/> had all rewards equal.</summary>
    public bool IsZeroSpread(int group) => GroupStds[group] == 0;
}
