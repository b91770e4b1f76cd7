using Microsoft.Extensions.AI;
using VisionR1.Answers;
using VisionR1.Data.ColdStart;
using VisionR1.Data.Filtering;
using VisionR1.Grpo.Rewards;

namespace VisionR1.Tests.Answers;

/// <summary>
/// One think/answer layout with explicit strictness, shared by the reward, the CoT filter, the reply normaliser
/// and the answer extractor.
/// </summary>
public sealed class ThinkAnswerFormatTests
{
    [Theory]
    [InlineData("<think>a</think><answer>5</answer>", true, true)]
    [InlineData("<think></think><answer>5</answer>", true, false)]
    [InlineData("<think> \n </think><answer>5</answer>", true, false)]
    [InlineData("<think>a</think><answer> </answer>", false, false)]
    [InlineData("<think>a</think><answer></answer>", false, false)]
    [InlineData("<THINK>a</THINK><ANSWER>5</ANSWER>", false, false)]
    [InlineData("<think>a <answer>4</answer></think><answer>5</answer>", false, false)]
    public void Default_allows_empty_thinking_and_strict_does_not(string completion, bool byDefault, bool byStrict)
    {
        Assert.Equal(byDefault, ThinkAnswerFormat.Default.IsMatch(completion));
        Assert.Equal(byStrict, ThinkAnswerFormat.Strict.IsMatch(completion));
    }

    [Fact]
    public void Lenient_reads_tags_whatever_their_case()
    {
        Assert.True(ThinkAnswerFormat.Lenient.IsMatch("<THINK>a</THINK><Answer>5</Answer>"));
        Assert.Equal("5", ThinkAnswerFormat.Lenient.AnswerText("<think>a</think><ANSWER>5</ANSWER>"));
        Assert.Equal("<think>a</think><ANSWER>5</ANSWER>", ThinkAnswerFormat.Default.AnswerText("<think>a</think><ANSWER>5</ANSWER>"));
        Assert.True(AnswerExtractor.TryTagContent("x <ANSWER>7</ANSWER>", "answer", out var content));
        Assert.Equal("7", content);
    }

    [Fact]
    public void Reward_filter_and_normaliser_share_the_layout()
    {
        const string blankAnswer = "<think>3 and 4 give 5.</think><answer>  </answer>";
        Assert.Equal(ThinkAnswerFormat.Default, new FormatReward().Format);
        Assert.False(new FormatReward().Format.IsMatch(blankAnswer));
        Assert.Equal(FilterRule.Format, new CotFilter(new MathVerifier()).Check(blankAnswer, "5").FailedRule);
        var normalised = ReasoningReply.Format("<think>3 and 4 give 5.</think><answer>5</answer>");
        Assert.Equal(ThinkAnswerFormat.Default.Compose("3 and 4 give 5.", "5"), normalised);
        Assert.True(ThinkAnswerFormat.Strict.IsMatch(normalised));
        Assert.Throws<MalformedReplyException>(() => ReasoningReply.Format("<think>x</think>   "));
        Assert.False(ReasoningReply.TryFormat(new ChatResponse(new ChatMessage(ChatRole.Assistant, "<think>a <answer>4</answer></think><answer>5</answer>")), out _));
    }
}
