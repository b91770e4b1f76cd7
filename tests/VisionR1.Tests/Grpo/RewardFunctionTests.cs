using VisionR1.Grpo.Rewards;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Schedule;
using VisionR1.Problems;
using VisionR1.Grpo.Policies;

namespace VisionR1.Tests.Grpo;

public sealed class RewardFunctionTests
{
    private static readonly GrpoPrompt Prompt = new(new MathProblem("q1", [], "Pick one.", "4", ["3", "4"], AnswerType.MultipleChoice, Precision: 2));

    [Fact]
    public void A_plain_function_is_a_reward_that_sees_the_typed_item_and_the_context()
    {
        var seen = new List<(string Answer, int Choices, int? Precision, int Tokens, int? Cap, int Stage)>();
        var reward = Reward.FromFunction("mine", r =>
        {
            lock (seen) seen.Add((r.GroundTruth, r.Problem.Choices!.Count, r.Problem.Precision, r.Context.CompletionTokens, r.Context.MaxCompletionLength, r.Context.StageIndex));
            return r.Completion.Length;
        });
        var stage = new PtstStage(8192, 8, Name: "second");
        var outputs = reward.Score([new RewardInput(Prompt, "abc", new RewardContext(17, false, stage.MaxCompletionLength, 120, 1, stage))]);
        Assert.Equal("mine", reward.Name);
        Assert.Equal(3.0, outputs[0].Score);
        Assert.Equal(("4", 2, (int?)2, 17, (int?)8192, 1), seen.Single());
    }

    [Fact]
    public void A_function_may_decline_to_score()
    {
        var reward = Reward.FromFunction("only_long", r => r.Completion.Length > 3 ? 1.0 : (double?)null);
        var outputs = reward.Score([new RewardInput(Prompt, "ab"), new RewardInput(Prompt, "abcd")]);
        Assert.Null(outputs[0].Score);
        Assert.Equal(1.0, outputs[1].Score);
    }

    [Fact]
    public void Overlong_penalty_without_a_fixed_cap_uses_the_stage_cap_of_the_context()
    {
        var penalty = new OverlongPenalty(new OverlongPenaltyOptions(MaxCompletionTokens: null, BufferTokens: 1024));
        double At(int tokens, int cap) => penalty.Score([new RewardInput(Prompt, "x", new RewardContext(tokens, MaxCompletionLength: cap))])[0].Score!.Value;
        Assert.Equal(-0.5, At(3584, 4096), 12);   // first PTST stage: 4096
        Assert.Equal(0.0, At(3584, 8192), 12);    // second stage: the same length is no longer near the cap
    }

    [Fact]
    public void Hard_format_result_reward_reports_correctness_and_format_as_typed_flags()
    {
        var output = new HardFormatResultReward().Score([new RewardInput(Prompt, "<think>t</think><answer>(B)</answer>")])[0];
        Assert.True(output.Correct);
        Assert.True(output.FormatOk);
        var wrong = new HardFormatResultReward().Score([new RewardInput(Prompt, "(B)")])[0];
        Assert.True(wrong.Correct);
        Assert.False(wrong.FormatOk);
        Assert.Equal(0.0, wrong.Score);
    }
}
