using VisionR1.Grpo.Advantages;

namespace VisionR1.Tests.Grpo;

public sealed class GroupAdvantagesTests
{
    private const double Tol = 1e-12;

    [Fact]
    public void Group_std_scaling_matches_hand_values()
    {
        // Groups [1, 0] and [0, 1]: mean 0.5, unbiased std sqrt(0.5) = 0.70710678...
        var r = GroupAdvantages.Compute([1.0, 0.0, 0.0, 1.0], 2, new AdvantageOptions(Epsilon: 0));
        double a = 0.5 / Math.Sqrt(0.5);
        Assert.Equal([a, -a, -a, a], r.Advantages, (x, y) => Math.Abs(x - y) < Tol);
        Assert.Equal(0, r.ZeroSpreadGroups);
        Assert.Equal(0, r.FractionZeroSpread);
    }

    [Fact]
    public void Epsilon_is_added_to_the_std()
    {
        var r = GroupAdvantages.Compute([1.0, 0.0], 2, new AdvantageOptions(Epsilon: 0.1));
        Assert.Equal(0.5 / (Math.Sqrt(0.5) + 0.1), r.Advantages[0], Tol);
    }

    [Fact]
    public void Population_std_divides_by_n()
    {
        var r = GroupAdvantages.Compute([1.0, 0.0], 2, new AdvantageOptions(Epsilon: 0, UnbiasedStd: false));
        Assert.Equal([1.0, -1.0], r.Advantages, (x, y) => Math.Abs(x - y) < Tol);
    }

    [Fact]
    public void Unequal_groups_are_centred_separately_and_zero_spread_groups_counted()
    {
        // [1,1,1] no spread; [0,1] spread; [2] a single completion (no spread).
        var r = GroupAdvantages.Compute([1.0, 1.0, 1.0, 0.0, 1.0, 2.0], [3, 2, 1], new AdvantageOptions(Epsilon: 0));
        double a = 0.5 / Math.Sqrt(0.5);
        Assert.Equal([0, 0, 0, -a, a, 0], r.Advantages, (x, y) => Math.Abs(x - y) < Tol);
        Assert.Equal([1.0, 0.5, 2.0], r.GroupMeans);
        Assert.Equal(2, r.ZeroSpreadGroups);
        Assert.Equal(2.0 / 3.0, r.FractionZeroSpread, Tol);
        Assert.True(r.IsZeroSpread(0));
        Assert.False(r.IsZeroSpread(1));
    }

    [Fact]
    public void Batch_std_scaling_uses_the_std_of_all_rewards()
    {
        // Batch [1,0,0,0]: mean 0.25, unbiased variance 0.75/3 = 0.25, std 0.5. Group means 0.5 and 0.
        var r = GroupAdvantages.Compute([1.0, 0.0, 0.0, 0.0], 2, new AdvantageOptions(AdvantageScaling.BatchStd, Epsilon: 0));
        Assert.Equal([1.0, -1.0, 0.0, 0.0], r.Advantages, (x, y) => Math.Abs(x - y) < Tol);
        Assert.Equal(0.5, r.FractionZeroSpread);
    }

    [Fact]
    public void No_scaling_gives_centred_rewards_as_in_dr_grpo()
    {
        var r = GroupAdvantages.Compute([3.0, 1.0, 0.5, 0.5], 2, new AdvantageOptions(AdvantageScaling.None));
        Assert.Equal([1.0, -1.0, 0.0, 0.0], r.Advantages, (x, y) => Math.Abs(x - y) < Tol);
    }

    [Fact]
    public void Zero_epsilon_on_a_flat_group_gives_zero_not_nan()
    {
        var r = GroupAdvantages.Compute([0.3, 0.3, 0.3], 3, new AdvantageOptions(Epsilon: 0));
        Assert.All(r.Advantages, a => Assert.Equal(0.0, a));
    }

    [Fact]
    public void Bad_inputs_name_the_problem()
    {
        var e1 = Assert.Throws<ArgumentException>(() => GroupAdvantages.Compute([1.0, 2.0, 3.0], [2, 2]));
        Assert.Contains("add up to 4", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => GroupAdvantages.Compute([1.0, double.NaN], 2));
        Assert.Contains("Reward 1", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => GroupAdvantages.Compute([1.0], [0, 1]));
        Assert.Contains("Group 0", e3.Message);
    }
}
