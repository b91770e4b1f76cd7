using VisionR1.Answers;

namespace VisionR1.Tests.Answers;

/// <summary>Where the final answer is found in a response (answers.md, "Extraction").</summary>
public sealed class ExtractionTests
{
    [Theory]
    [InlineData("<think>2+2</think><answer>4</answer>", "4")]
    [InlineData("<think>a</think>\n<answer> Final Answer:12 </answer>", "12")]
    [InlineData("<think>a</think><answer>Final Answer: \\frac{3}{4}</answer>", "\\frac{3}{4}")]
    [InlineData("<think>\\boxed{1}</think><answer>\\boxed{7}</answer>", "7")]
    [InlineData("<think>x</think><answer>The answer is 9.</answer>", "9")]
    [InlineData("<think>x</think><answer>B</answer>", "B")]
    [InlineData("So we get \\boxed{5} first, then correct it: \\boxed{6}.", "6")]
    [InlineData("Thus $x = \\boxed{\\frac{1}{2}}$.", "\\frac{1}{2}")]
    [InlineData("The box \\boxed{\\frac{a}{\\sqrt{b}}} is nested.", "\\frac{a}{\\sqrt{b}}")]
    [InlineData("\\fbox{3}", "3")]
    [InlineData("Answers: \\boxed{-2} and \\boxed{1}.", "-2, 1")]
    [InlineData("Final Answer: The final answer is $65\\%$. I hope it is correct.", "65\\%")]
    [InlineData("**Final Answer**\n\\[ 42 \\]", "42")]
    [InlineData("Final Answer: The area of $PQRS$ is 48. I hope it is correct.", "48")]
    [InlineData("After all that, the answer is 17.", "17")]
    [InlineData("The answer is $\\frac{1}{3}$.", "\\frac{1}{3}")]
    [InlineData("answer: 3.5", "3.5")]
    [InlineData("\\text{Final Answer: } 5", "5")]
    [InlineData("The final answer is: $5$", "5")]
    [InlineData("We compute and find $x^2+1$ works.", "x^2+1")]
    [InlineData("It is \\( 9 \\) in total", "9")]
    [InlineData("We get \\[ 10 \\] as required", "10")]
    [InlineData("$$ 11 $$", "11")]
    [InlineData("There were 3 apples and then 12 more arrived, giving fifteen in all, so the total count is 15 after", "15")]
    [InlineData("After checking both cases, there are two solutions.", "two")]
    [InlineData("x+1", "x+1")]
    [InlineData("Evelyn", "Evelyn")]
    [InlineData("", "")]
    [InlineData("no numbers or maths here at all, only words", "no numbers or maths here at all, only words")]
    public void Extract_finds_the_final_answer(string response, string expected) =>
        Assert.Equal(expected, AnswerExtractor.Extract(response));

    [Fact]
    public void Answer_tag_beats_a_box_in_the_reasoning()
    {
        var r = new MathVerifier().Verify("3", "<think>maybe \\boxed{5}</think><answer>3</answer>");
        Assert.True(r.Equal);
        Assert.Equal("3", r.Extracted);
    }

    [Fact]
    public void Inline_dollar_span_does_not_cross_lines()
    {
        Assert.False(AnswerExtractor.TryLastLatexSpan("Answer $ \n 9 \n $", out _));
        Assert.False(AnswerExtractor.TryLastLatexSpan("Answer \\( \n 9 \n \\)", out _));
        Assert.True(AnswerExtractor.TryLastLatexSpan("Answer $$ \n 9 \n $$", out var block));
        Assert.Equal("9", block.Trim());
    }

    [Fact]
    public void Gold_given_as_a_worked_solution_is_reduced_to_its_box() =>
        Assert.True(new MathVerifier().Verify("Comparing coefficients gives \\[p=2\\]. Hence $(P, Q) = \\boxed{(-4, 9)}.$", "(-4, 9)").Equal);

    [Theory]
    [InlineData("The answer is 5.", "5")]
    [InlineData("Final Answer: 5", "5")]
    [InlineData("<answer>5</answer>", "5")]
    [InlineData("$5$", "$5$")]
    [InlineData("x^2+1", "x^2+1")]
    public void Gold_phrases_are_reduced_to_the_answer(string gold, string expected) =>
        Assert.Equal(expected, AnswerExtractor.ExtractGold(gold));

    [Fact]
    public void Unclosed_box_reads_to_the_end() => Assert.Equal("12", AnswerExtractor.Extract("so \\boxed{12").Trim());

    [Fact]
    public void Only_the_tail_of_an_oversized_response_is_read()
    {
        var response = "\\boxed{1}" + new string('x', 300_000) + " the answer is 2.";
        Assert.Equal("2", AnswerExtractor.Extract(response));
    }
}
