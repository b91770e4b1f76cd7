using VisionR1.Grpo.Advantages;
using VisionR1.Grpo.Loss;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Grpo;

/// <summary>
/// Each advantage estimator against its formula computed by hand on a small batch: three groups of uneven size, one of them with
/// equal rewards, and (for the gradient) completions of uneven length, one truncated and masked out.
/// </summary>
public sealed class AdvantageEstimatorTests
{
    private const double Tol = 1e-12;

    // Groups of 3, 2 (all equal: zero variance) and 4.
    private static readonly double[] Rewards = [1.0, 0.0, 0.5, 0.3, 0.3, 2.0, -1.0, 0.0, 0.5];
    private static readonly int[] Sizes = [3, 2, 4];

    public AdvantageEstimatorTests() => VisionR1Runtime.Initialize("cpu", threads: 1);

    public static TheoryData<AdvantageEstimator> Estimators() => new(Enum.GetValues<AdvantageEstimator>());

    private static IEnumerable<(int Start, int Size)> Groups()
    {
        int start = 0;
        foreach (var size in Sizes)
        {
            yield return (start, size);
            start += size;
        }
    }

    private static double Mean(IEnumerable<double> xs) => xs.Average();

    private static double Std(IReadOnlyList<double> xs)
    {
        double m = Mean(xs);
        return Math.Sqrt(xs.Sum(x => (x - m) * (x - m)) / (xs.Count - 1));
    }

    /// <summary>The reference of each estimator, written from the paper's formula with explicit loops.</summary>
    private static double[] Reference(AdvantageEstimator estimator)
    {
        var a = new double[Rewards.Length];
        foreach (var (start, size) in Groups())
        {
            var group = Rewards.Skip(start).Take(size).ToArray();
            double mean = Mean(group);
            double std = Std(group);
            for (int k = 0; k < size; k++)
            {
                int i = start + k;
                double others = 0;
                for (int j = 0; j < size; j++) if (j != k) others += group[j];
                a[i] = estimator switch
                {
                    AdvantageEstimator.Grpo => std == 0 ? 0 : (Rewards[i] - mean) / (std + 1e-4),
                    AdvantageEstimator.DrGrpo => Rewards[i] - mean,
                    AdvantageEstimator.Rloo => Rewards[i] - others / (size - 1),
                    AdvantageEstimator.ReinforcePlusPlus => Rewards[i] - mean, // normalised over the batch below
                    _ => throw new ArgumentOutOfRangeException(nameof(estimator)),
                };
            }
        }
        if (estimator == AdvantageEstimator.ReinforcePlusPlus)
        {
            double mean = Mean(a), std = Std(a);
            a = a.Select(x => (x - mean) / (std + 1e-4)).ToArray();
            a[3] = a[4] = 0; // the zero-variance group
        }
        return a;
    }

    [Theory]
    [MemberData(nameof(Estimators))]
    public void Estimator_matches_its_formula_and_gives_a_zero_variance_group_no_advantage(AdvantageEstimator estimator)
    {
        var result = GroupAdvantages.Compute(Rewards, Sizes, new AdvantageOptions(Estimator: estimator));
        var expected = Reference(estimator);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], result.Advantages[i], Tol);
        Assert.Equal(0.0, result.Advantages[3]);
        Assert.Equal(0.0, result.Advantages[4]);
        Assert.Equal(1, result.ZeroSpreadGroups);
        Assert.Equal([0.5, 0.3, 0.375], result.GroupMeans.Select(m => Math.Round(m, 12)));
    }

    [Fact]
    public void The_pure_functions_beside_group_advantages_equal_the_estimators_they_name()
    {
        Assert.Equal(GroupAdvantages.Compute(Rewards, Sizes, new AdvantageOptions(Estimator: AdvantageEstimator.DrGrpo)).Advantages,
            GroupAdvantages.Centred(Rewards, Sizes).Advantages);
        Assert.Equal(GroupAdvantages.Compute(Rewards, Sizes, new AdvantageOptions(Scaling: AdvantageScaling.None)).Advantages,
            GroupAdvantages.Centred(Rewards, Sizes).Advantages);
        Assert.Equal(GroupAdvantages.Compute(Rewards, Sizes, new AdvantageOptions(Estimator: AdvantageEstimator.Rloo)).Advantages,
            LeaveOneOutAdvantages.Compute(Rewards, Sizes).Advantages);
        Assert.Equal(GroupAdvantages.Compute(Rewards, Sizes, new AdvantageOptions(Estimator: AdvantageEstimator.ReinforcePlusPlus)).Advantages,
            BatchNormalizedAdvantages.Compute(Rewards, Sizes).Advantages);
    }

    [Fact]
    public void Leave_one_out_is_the_centred_reward_scaled_by_g_over_g_minus_one_and_zero_for_a_group_of_one()
    {
        var result = LeaveOneOutAdvantages.Compute([3.0, 1.0, 2.0, 7.0], [3, 1]);
        Assert.Equal(1.5 * (3 - 2.0), result.Advantages[0], Tol);
        Assert.Equal(1.5 * (1 - 2.0), result.Advantages[1], Tol);
        Assert.Equal(0.0, result.Advantages[2], Tol);
        Assert.Equal(0.0, result.Advantages[3]);
    }

    [Fact]
    public void Reinforce_plus_plus_advantages_have_zero_mean_and_unit_spread_over_the_batch()
    {
        var result = BatchNormalizedAdvantages.Compute([1.0, 0.0, 0.0, 5.0, 1.0, 3.0], [2, 4]);
        Assert.Equal(0.0, result.Advantages.Average(), 1e-12);
        var a = result.Advantages;
        double std = Math.Sqrt(a.Sum(x => x * x) / (a.Length - 1));
        Assert.Equal(1.0, std, 1e-3); // ε = 1e-4 in the divisor
    }

    /// <summary>
    /// The gradient each estimator's advantages put on the log-probs through the token-mean loss at ρ = 1 is −Â_i·m_{i,t} / Σm: uneven
    /// lengths weigh each counted token alike, the zero-variance group and the masked truncated completion get none.
    /// </summary>
    [Theory]
    [MemberData(nameof(Estimators))]
    public void Estimator_advantages_give_the_hand_computed_gradient_through_the_loss(AdvantageEstimator estimator)
    {
        using var scope = NewDisposeScope();
        int[] lengths = [3, 1, 4, 2, 2, 4, 4, 1, 2];
        const int width = 4, truncatedRow = 6; // completion 6 hit the cap (4 tokens) and is masked out
        var mask = new double[Rewards.Length * width];
        for (int i = 0; i < lengths.Length; i++)
            if (i != truncatedRow) for (int t = 0; t < lengths[i]; t++) mask[i * width + t] = 1;
        var adv = GroupAdvantages.Compute(Rewards, Sizes, new AdvantageOptions(Estimator: estimator)).Advantages;

        var logp = (-rand(new long[] { Rewards.Length, width }, ScalarType.Float64)).requires_grad_();
        var maskT = tensor(mask, new long[] { Rewards.Length, width });
        var result = GrpoLoss.Compute(new GrpoLossInputs(logp, logp.detach(), null, tensor(adv), maskT), new GrpoLossOptions(Beta: 0));
        result.Loss.backward();
        var grad = logp.grad!.data<double>().ToArray();

        double tokens = mask.Sum();
        for (int i = 0; i < Rewards.Length; i++)
            for (int t = 0; t < width; t++)
                Assert.Equal(-adv[i] * mask[i * width + t] / tokens, grad[i * width + t], 1e-12);
        Assert.All(grad.Skip(3 * width).Take(2 * width), g => Assert.Equal(0.0, g)); // zero-variance group
        Assert.All(grad.Skip(truncatedRow * width).Take(width), g => Assert.Equal(0.0, g));     // masked truncated completion
    }
}
