using TorchSharp;
using VisionR1.Grpo.Advantages;
using VisionR1.Grpo.Loss;
using VisionR1.Grpo.Training;
using VisionR1.Runtime;
using VisionR1.Tests.Grpo.Fixtures;
using static TorchSharp.torch;

namespace VisionR1.Tests.Grpo;

/// <summary>The named algorithms: their names, the defaults they give, how explicit options win, and that each one learns.</summary>
public sealed class GrpoAlgorithmTests
{
    public GrpoAlgorithmTests() => VisionR1Runtime.Initialize("cpu", threads: 1);

    public static TheoryData<GrpoAlgorithm> All() => new(Enum.GetValues<GrpoAlgorithm>());

    [Fact]
    public void The_seven_names_parse_to_the_seven_algorithms_and_back()
    {
        Assert.Equal(["grpo", "dr_grpo", "dapo", "gspo", "cispo", "rloo", "reinforce_pp"], GrpoAlgorithmNames.All);
        foreach (var name in GrpoAlgorithmNames.All) Assert.Equal(name, GrpoAlgorithmNames.NameOf(GrpoAlgorithmNames.Parse(name)));
        Assert.Equal(GrpoAlgorithm.DrGrpo, GrpoAlgorithmNames.Parse("DR-GRPO"));
        Assert.Equal(GrpoAlgorithm.ReinforcePlusPlus, GrpoAlgorithmNames.Parse("reinforce_pp"));
        var e = Assert.Throws<ArgumentException>(() => GrpoAlgorithmNames.Parse("ppo"));
        Assert.Contains("grpo, dr_grpo, dapo, gspo, cispo, rloo, reinforce_pp", e.Message);
        Assert.False(GrpoAlgorithmNames.TryParse(null, out _));
    }

    [Fact]
    public void A_list_of_names_parses_in_its_order_all_gives_the_seven_and_a_bad_list_is_refused_naming_the_culprit()
    {
        Assert.Equal(Enum.GetValues<GrpoAlgorithm>(), GrpoAlgorithmNames.ParseList("all"));
        Assert.Equal(Enum.GetValues<GrpoAlgorithm>(), GrpoAlgorithmNames.ParseList(" ALL "));
        Assert.Equal([GrpoAlgorithm.Gspo, GrpoAlgorithm.DrGrpo], GrpoAlgorithmNames.ParseList("gspo, Dr-GRPO"));
        var unknown = Assert.Throws<ArgumentException>(() => GrpoAlgorithmNames.ParseList("dapo,ppo"));
        Assert.Equal("Unknown algorithm 'ppo'; expected 'all' or names from grpo, dr_grpo, dapo, gspo, cispo, rloo, reinforce_pp, separated by commas.", unknown.Message);
        Assert.Contains("'dapo' is listed twice", Assert.Throws<ArgumentException>(() => GrpoAlgorithmNames.ParseList("dapo,gspo,DAPO")).Message);
        Assert.Contains("Empty algorithm name", Assert.Throws<ArgumentException>(() => GrpoAlgorithmNames.ParseList("dapo,")).Message);
        Assert.Contains("Empty algorithm name", Assert.Throws<ArgumentException>(() => GrpoAlgorithmNames.ParseList("")).Message);
    }

    [Fact]
    public void Grpo_is_the_default_and_gives_the_options_the_library_had_before_algorithms()
    {
        var options = new GrpoOptions();
        Assert.Equal(GrpoAlgorithm.Grpo, options.Algorithm);
        Assert.Equal(new GrpoLossOptions(), options.Loss);
        Assert.Equal(new AdvantageOptions(), options.Advantages);
        Assert.False(options.DynamicSampling);
        Assert.False(options.MaskTruncatedCompletions);
    }

    [Fact]
    public void Each_algorithm_sets_the_defaults_of_its_paper()
    {
        var dr = new GrpoOptions { Algorithm = GrpoAlgorithm.DrGrpo };
        Assert.Equal(AdvantageEstimator.DrGrpo, dr.Advantages.Estimator);
        Assert.Equal(LossAggregation.DrGrpo, dr.Loss.Aggregation);
        Assert.Equal(0, dr.Loss.Beta);

        var dapo = new GrpoOptions { Algorithm = GrpoAlgorithm.Dapo };
        Assert.Equal((0.2, 0.28), (dapo.Loss.EpsilonLow, dapo.Loss.EffectiveEpsilonHigh));
        Assert.Equal(LossAggregation.TokenMean, dapo.Loss.Aggregation);
        Assert.True(dapo.DynamicSampling);
        Assert.True(dapo.MaskTruncatedCompletions);
        Assert.Equal(0, dapo.Loss.Beta);

        var gspo = new GrpoOptions { Algorithm = GrpoAlgorithm.Gspo }.Loss;
        Assert.Equal((PolicyObjective.SequenceClip, 3e-4, 4e-4, LossAggregation.SequenceMean), (gspo.Objective, gspo.EpsilonLow, gspo.EffectiveEpsilonHigh, gspo.Aggregation));

        var cispo = new GrpoOptions { Algorithm = GrpoAlgorithm.Cispo }.Loss;
        Assert.Equal((PolicyObjective.Cispo, 1.0, 5.0, LossAggregation.TokenMean), (cispo.Objective, cispo.EpsilonLow, cispo.EffectiveEpsilonHigh, cispo.Aggregation));

        var rloo = new GrpoOptions { Algorithm = GrpoAlgorithm.Rloo };
        Assert.Equal(AdvantageEstimator.Rloo, rloo.Advantages.Estimator);
        Assert.Equal((KlEstimator.K1, true), (rloo.Loss.Kl, rloo.Loss.KlInReward));

        var rpp = new GrpoOptions { Algorithm = GrpoAlgorithm.ReinforcePlusPlus };
        Assert.Equal(AdvantageEstimator.ReinforcePlusPlus, rpp.Advantages.Estimator);
        Assert.Equal((KlEstimator.K2, false), (rpp.Loss.Kl, rpp.Loss.KlInReward));
    }

    [Fact]
    public void Explicitly_set_options_win_over_the_algorithm_whatever_the_order()
    {
        var loss = new GrpoLossOptions(EpsilonHigh: 0.3, Beta: 0);
        var a = new GrpoOptions { Loss = loss, DynamicSampling = false, Algorithm = GrpoAlgorithm.Dapo };
        var b = new GrpoOptions { Algorithm = GrpoAlgorithm.Dapo, Loss = loss, DynamicSampling = false };
        foreach (var o in new[] { a, b })
        {
            Assert.Same(loss, o.Loss);
            Assert.False(o.DynamicSampling);
            Assert.True(o.MaskTruncatedCompletions); // not set: DAPO's
        }
        // Changing the algorithm later keeps what was set and moves what was not.
        var c = a with { Algorithm = GrpoAlgorithm.Grpo };
        Assert.Same(loss, c.Loss);
        Assert.False(c.MaskTruncatedCompletions);
        // One field of an algorithm's loss: start from its defaults.
        var d = new GrpoOptions { Algorithm = GrpoAlgorithm.Gspo, Loss = AlgorithmDefaults.For(GrpoAlgorithm.Gspo).Loss with { Beta = 0.01 } };
        Assert.Equal((PolicyObjective.SequenceClip, 0.01), (d.Loss.Objective, d.Loss.Beta));
    }

    /// <summary>
    /// One SGD step on a group of four fixed completions of a tiny GRU language model, the first rewarded 1 and the others 0, with the
    /// algorithm's estimator and loss: the log-likelihood of the rewarded completion goes up.
    /// </summary>
    [Theory]
    [MemberData(nameof(All))]
    public void One_optimiser_step_raises_the_log_prob_of_the_positively_rewarded_completion(GrpoAlgorithm algorithm)
    {
        using var scope = NewDisposeScope();
        torch.random.manual_seed(7);
        using var lm = new TinyGruLm(TinyTokenizer.Size, 8, 16);
        // [bos] prompt then completion; rows of uneven completion length (4, 3, 2, 4 tokens), right-padded.
        long[][] rows = [[1, 2, 3, 4, 5], [1, 6, 7, 8], [1, 9, 10], [1, 11, 12, 13, 14]];
        const int width = 4;
        var ids = new long[rows.Length * (width + 1)];
        var mask = new float[rows.Length * width];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i].CopyTo(ids, i * (width + 1));
            for (int t = 0; t < rows[i].Length - 1; t++) mask[i * width + t] = 1;
        }
        var input = tensor(ids, new long[] { rows.Length, width + 1 });
        var maskT = tensor(mask, new long[] { rows.Length, width });
        Tensor LogProbs() => LogitLogProbs.Compute(lm.call(input)[.., ..width], input[.., 1..]).LogProbs;
        double RewardedLogLikelihood()
        {
            using var _ = no_grad();
            return (LogProbs() * maskT)[0].sum().item<float>();
        }

        var defaults = AlgorithmDefaults.For(algorithm);
        var advantages = GroupAdvantages.Compute([1.0, 0.0, 0.0, 0.0], 4, defaults.Advantages).Advantages;
        Assert.True(advantages[0] > 0);
        double before = RewardedLogLikelihood();
        using var optimizer = optim.SGD(lm.parameters(), 0.05);
        optimizer.zero_grad();
        var logp = LogProbs();
        var inputs = new GrpoLossInputs(logp, logp.detach(), logp.detach(), tensor(advantages.Select(a => (float)a).ToArray()), maskT);
        GrpoLoss.Compute(inputs, defaults.Loss).Loss.backward();
        optimizer.step();
        Assert.True(RewardedLogLikelihood() > before, $"{algorithm}: {before} did not rise");
    }
}
