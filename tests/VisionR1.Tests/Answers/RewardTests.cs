using VisionR1.Answers;
using VisionR1.Grpo.Rewards;
using VisionR1.Grpo.Rollout;
using VisionR1.Problems;
using VisionR1.Grpo.Policies;

namespace VisionR1.Tests.Answers;

/// <summary>The format, accuracy, hard format result (HFRRF), soft and overlong rewards.</summary>
public sealed class RewardTests
{
    private static RewardInput Item(string completion, string gold = "4", IReadOnlyList<string>? choices = null, int? precision = null, int tokens = 0) =>
        new(new GrpoPrompt(new MathProblem("item", [], "What is 2+2?", gold, choices, Precision: precision), "What is 2+2?"), completion, new RewardContext(tokens));

    [Theory]
    [InlineData("<think>2+2=4</think><answer>4</answer>", true)]
    [InlineData("  \n<think>\nline one\nline two\n</think>\n\n<answer>\nFinal Answer: 4\n</answer>\n ", true)]
    [InlineData("<think></think><answer>4</answer>", true)]
    [InlineData("<think>a</think><answer>4</answer> trailing", false)]
    [InlineData("<think>a</think><answer>4</answer>.", false)]
    [InlineData("leading <think>a</think><answer>4</answer>", false)]
    [InlineData("<think>a</think> between <answer>4</answer>", false)]
    [InlineData("<answer>4</answer>", false)]
    [InlineData("<think>a</think>", false)]
    [InlineData("<think>a<answer>4</answer>", false)]
    [InlineData("<think>a</think><answer>4", false)]
    [InlineData("<think>a</think><answer>   </answer>", false)]
    [InlineData("<think>a</think><answer>4</answer><answer>5</answer>", false)]
    [InlineData("<think>a</think><think>b</think><answer>4</answer>", false)]
    [InlineData("<answer>4</answer><think>a</think>", false)]
    [InlineData("<THINK>a</THINK><ANSWER>4</ANSWER>", false)]
    [InlineData("", false)]
    public void Format_is_a_strict_full_match(string completion, bool expected)
    {
        Assert.Equal(expected, new ThinkAnswerFormat().IsMatch(completion));
        var score = new FormatReward().Score([Item(completion)])[0];
        Assert.Equal(expected ? 1.0 : 0.0, score.Score);
        Assert.Equal(expected ? 1.0 : 0.0, score.Components["format"]);
    }

    [Fact]
    public void Tag_names_are_configurable()
    {
        var format = new ThinkAnswerFormat("reasoning", "final");
        Assert.True(format.IsMatch("<reasoning>x</reasoning><final>4</final>"));
        Assert.False(format.IsMatch("<think>x</think><answer>4</answer>"));
        var r = new HardFormatResultReward(format: format).Score([Item("<reasoning>x</reasoning><final>4</final>")])[0];
        Assert.Equal(1.0, r.Score);
    }

    [Theory]
    [InlineData("<think>a</think><answer>4</answer>", 1, 1, 1)]
    [InlineData("<think>a</think><answer>Final Answer: 4</answer>", 1, 1, 1)]
    [InlineData("<think>a</think><answer>\\boxed{4}</answer>", 1, 1, 1)]
    [InlineData("<think>a</think><answer>The answer is 4.</answer>", 1, 1, 1)]
    [InlineData("<think>a</think><answer>5</answer>", 1, 0, 0)]
    [InlineData("<think>a</think><answer>4</answer> extra", 0, 1, 0)]
    [InlineData("The answer is 4.", 0, 1, 0)]
    [InlineData("<think>4</think><answer>3</answer>", 1, 0, 0)]
    [InlineData("nothing", 0, 0, 0)]
    public void Hfrrf_is_one_only_when_format_and_answer_are_both_right(string completion, double format, double accuracy, double expected)
    {
        var r = new HardFormatResultReward().Score([Item(completion)])[0];
        Assert.Equal(expected, r.Score);
        Assert.Equal(format, r.Components["format"]);
        Assert.Equal(accuracy, r.Components["accuracy"]);
        Assert.Equal(expected, r.Components["hfrrf"]);
    }

    [Theory]
    [InlineData("<think>a</think><answer>4</answer>", 1.0)]
    [InlineData("<think>a</think><answer>5</answer>", 0.5)]
    [InlineData("The answer is 4", 0.5)]
    [InlineData("nothing", 0.0)]
    public void Zero_baseline_weights_format_and_result_one_to_one(string completion, double expected)
    {
        var r = WeightedSumReward.ZeroBaseline().Score([Item(completion)])[0];
        Assert.Equal(expected, r.Score!.Value, 12);
        Assert.True(r.Components.ContainsKey("format"));
        Assert.True(r.Components.ContainsKey("accuracy"));
    }

    [Fact]
    public void Accuracy_reward_reads_choices_and_precision_from_the_problem()
    {
        Assert.Equal(1.0, new AccuracyReward().Score([Item("<think>a</think><answer>(B)</answer>", "4", choices: ["3", "4", "5"])])[0].Score);
        Assert.Equal(1.0, new AccuracyReward().Score([Item("<think>a</think><answer>2.54</answer>", "2.5", precision: 1)])[0].Score);
        Assert.Equal(0.0, new AccuracyReward().Score([Item("<think>a</think><answer>2.54</answer>", "2.5")])[0].Score);
    }

    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(3000, 0.0)]
    [InlineData(3072, 0.0)]
    [InlineData(3584, -0.5)]
    [InlineData(4096, -1.0)]
    [InlineData(5000, -1.0)]
    public void Overlong_penalty_is_linear_in_the_buffer_before_the_cap(int tokens, double expected)
    {
        var penalty = new OverlongPenalty(new OverlongPenaltyOptions(MaxCompletionTokens: 4096, BufferTokens: 1024));
        Assert.Equal(expected, penalty.Penalty(tokens), 12);
        var r = penalty.Score([Item("x", tokens: tokens)])[0];
        Assert.Equal(expected, r.Score!.Value, 12);
    }

    [Fact]
    public void Overlong_penalty_without_a_cap_names_the_item()
    {
        var penalty = new OverlongPenalty(new OverlongPenaltyOptions(MaxCompletionTokens: null, BufferTokens: 16));
        var e = Assert.Throws<ArgumentException>(() => penalty.Score([Item("x"), Item("y")]));
        Assert.Contains("no cap", e.Message);
        Assert.Contains("item 0", e.Message);
    }

    [Fact]
    public void Overlong_penalty_adds_to_hfrrf_in_a_weighted_sum()
    {
        var reward = new WeightedSumReward([new(new HardFormatResultReward(), 1.0), new(new OverlongPenalty(new(4096, 1024)), 1.0)]);
        var r = reward.Score([Item("<think>a</think><answer>4</answer>", tokens: 3584)])[0];
        Assert.Equal(0.5, r.Score!.Value, 12);
        Assert.Equal(-0.5, r.Components["overlong"], 12);
        Assert.Equal(1.0, r.Components["hfrrf"]);
    }

    [Fact]
    public void Batch_scores_keep_the_input_order_when_run_in_parallel()
    {
        var batch = Enumerable.Range(0, 500)
            .Select(i => Item($"<think>t</think><answer>{i}</answer>", (i % 3 == 0 ? i : i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        var scores = new HardFormatResultReward().Score(batch);
        Assert.Equal(500, scores.Count);
        for (int i = 0; i < 500; i++) Assert.Equal(i % 3 == 0 ? 1.0 : 0.0, scores[i].Score);
    }

    [Fact]
    public void Cancelled_batch_throws()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var batch = Enumerable.Range(0, 10).Select(_ => Item("x")).ToList();
        Assert.ThrowsAny<OperationCanceledException>(() => new FormatReward().Score(batch, cts.Token));
    }

    [Fact]
    public void Weighted_sum_rejects_bad_terms()
    {
        Assert.Throws<ArgumentException>(() => new WeightedSumReward([]));
        Assert.Throws<ArgumentException>(() => new WeightedSumReward([new(new FormatReward(), double.NaN)]));
    }

    [Fact]
    public void The_trainers_weighted_rewards_compose_into_one_reward_that_names_a_non_finite_score()
    {
        IReadOnlyList<WeightedReward> terms =
            [new(Reward.FromFunction("half", _ => 0.5), 2.0), new(Reward.FromFunction("none", _ => (double?)null), 5.0)];
        var r = new WeightedSumReward(terms).Score([Item("x")])[0];
        Assert.Equal(1.0, r.Score);
        Assert.Equal(0.5, r.Components["half"]);
        Assert.False(r.Components.ContainsKey("none"));

        var bad = new WeightedSumReward([new WeightedReward(Reward.FromFunction("broken", _ => double.NaN))]);
        var e = Assert.Throws<InvalidOperationException>(() => bad.Score([Item("x")]));
        Assert.Contains("'broken'", e.Message, StringComparison.Ordinal);
        Assert.Contains("prompt 'item'", e.Message, StringComparison.Ordinal);
    }
}
