using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using VisionR1.Answers;
using VisionR1.Data.ColdStart;
using VisionR1.Data.Filtering;
using VisionR1.Grpo.Rewards;
using VisionR1.Text;

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

    [Fact]
    public void Default_tag_constants_spell_the_vision_r1_tags()
    {
        Assert.Equal(("<think>", "</think>", "<answer>", "</answer>"),
            (ThinkAnswerFormat.DefaultThinkOpen, ThinkAnswerFormat.DefaultThinkClose, ThinkAnswerFormat.DefaultAnswerOpen, ThinkAnswerFormat.DefaultAnswerClose));
        var f = ThinkAnswerFormat.Default;
        Assert.Equal((f.ThinkOpen, f.ThinkClose, f.AnswerOpen, f.AnswerClose),
            (ThinkAnswerFormat.DefaultThinkOpen, ThinkAnswerFormat.DefaultThinkClose, ThinkAnswerFormat.DefaultAnswerOpen, ThinkAnswerFormat.DefaultAnswerClose));
        Assert.Equal("<think>\nx\n</think>\n<answer>5</answer>", f.Compose(" x ", " 5 "));
        Assert.Equal("<think> x </think><answer> 5 </answer>", f.Wrap(" x ", " 5 "));
        Assert.Equal("<think>…</think><answer>…</answer>", f.LayoutText);
    }

    [Theory]
    [InlineData("<answer>7</answer> then <answer>8")]
    [InlineData("<answer>a <answer>b</answer> c")]
    [InlineData("<ANSWER>x</Answer><answer>y</answer>")]
    [InlineData("<answer></answer>")]
    [InlineData("no tags at all")]
    [InlineData("<answer>open only")]
    [InlineData("</answer><answer>1</answer></answer>")]
    public void Last_closed_answer_reads_spans_as_a_lazy_pattern_does(string text)
    {
        var matches = Regex.Matches(text, "<answer>(.*?)</answer>", RegexOptions.Singleline | RegexOptions.IgnoreCase);
        bool found = ThinkAnswerFormat.Lenient.TryLastClosedAnswer(text, out var content);
        Assert.Equal(matches.Count > 0, found);
        if (found) Assert.Equal(matches[^1].Groups[1].Value, content);
    }

    [Fact]
    public void Marked_answer_prefers_a_closed_answer_to_a_later_unclosed_one()
    {
        Assert.Equal("7", AnswerExtractor.MarkedAnswer("<answer>7</answer> then <answer>8", out _));
        Assert.Equal("9", AnswerExtractor.MarkedAnswer("<answer>7</answer> <FINAL>9</FINAL>", out _, new ThinkAnswerFormat("reasoning", "final")));
    }

    [Fact]
    public void First_answer_content_says_whether_it_closes()
    {
        var f = ThinkAnswerFormat.Default;
        Assert.True(f.TryFirstAnswerContent("x <answer>1</answer> <answer>2</answer>", out var first, out bool closed));
        Assert.Equal(("1", true), (first, closed));
        Assert.True(f.TryFirstAnswerContent("x <answer>1 and more", out var open, out closed));
        Assert.Equal(("1 and more", false), (open, closed));
        Assert.False(f.TryFirstAnswerContent("x 1", out _, out _));
    }

    [Theory]
    [InlineData("<think>a</think>rest", "a", "rest")]
    [InlineData("a</think>rest", "a", "rest")]
    [InlineData("x</think><think>y</think>z", "x", "<think>y</think>z")]
    public void Split_thinking_cuts_at_the_first_closing_tag(string text, string thinking, string rest)
    {
        Assert.True(ThinkAnswerFormat.Default.TrySplitThinking(text, out var t, out var r));
        Assert.Equal((thinking, rest), (t, r));
        Assert.False(ThinkAnswerFormat.Default.TrySplitThinking("<think>never closed", out _, out _));
    }

    [Fact]
    public void Custom_tag_names_reach_the_normaliser_and_the_filter()
    {
        var custom = new ThinkAnswerFormat("reasoning", "final");
        var normalised = ReasoningReply.Format("<reasoning> 3 and 2 give 5. </reasoning> <final>5</final>", format: custom);
        Assert.Equal("<reasoning>\n3 and 2 give 5.\n</reasoning>\n<final>5</final>", normalised);
        Assert.Throws<MalformedReplyException>(() => ReasoningReply.Format("<think>3 and 2 give 5.</think><answer>5</answer>", format: custom));

        var filter = new CotFilter(new MathVerifier(), new CotFilterOptions(CheckConsistency: false, Format: custom with { RequireThinking = true }));
        Assert.True(filter.Check(normalised, "5").Kept);
        Assert.Equal(FilterRule.Format, filter.Check("<think>3 and 2 give 5.</think><answer>5</answer>", "5").FailedRule);
        Assert.Equal("the thinking never closes", CotFilter.TruncationReason("<reasoning>3 and 2", custom));
        Assert.Null(CotFilter.TruncationReason("<reasoning>3 and 2"));
    }

    [Fact]
    public void The_seed_corpus_holds_replies_in_the_default_layout() =>
        Assert.Contains("<think>\nLet me look at the image carefully. I need to count the shapes.\n</think>\n<answer>3</answer>", CompactTokenizerTrainer.SeedCorpus);
}
