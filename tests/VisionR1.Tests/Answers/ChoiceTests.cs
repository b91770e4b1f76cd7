using VisionR1.Answers;

namespace VisionR1.Tests.Answers;

/// <summary>Multiple-choice answers: letters in their many spellings, and option text when the options are known.</summary>
public sealed class ChoiceTests
{
    private static readonly MathVerifier Verifier = new();
    private static readonly AnswerContext Options = new(["12", "\\frac{1}{2}", "Paris", "x+1"]);

    [Theory]
    [InlineData("B", "B", true)]
    [InlineData("B", "(B)", true)]
    [InlineData("B", "B.", true)]
    [InlineData("B", "B)", true)]
    [InlineData("B", "option B", true)]
    [InlineData("B", "Option (B)", true)]
    [InlineData("B", "The answer is (B).", true)]
    [InlineData("B", "\\boxed{\\text{(B)}}", true)]
    [InlineData("(B)", "B", true)]
    [InlineData("B", "(B) 12", true)]
    [InlineData("B", "C", false)]
    [InlineData("B", "(C)", false)]
    [InlineData("B", "The correct option is C.", false)]
    [InlineData("C", "Final Answer: option C", true)]
    [InlineData("\\text{C}", "\\text{(C)}", true)]
    public void Letters_match_in_any_spelling(string gold, string prediction, bool expected)
    {
        var r = Verifier.Verify(gold, prediction);
        Assert.True(r.Equal == expected, $"{gold} vs {prediction}: {r.Reason}");
    }

    [Theory]
    [InlineData("B", "0.5", true)]
    [InlineData("B", "1/2", true)]
    [InlineData("B", "12", false)]
    [InlineData("C", "Paris", true)]
    [InlineData("D", "1+x", true)]
    [InlineData("A", "12", true)]
    public void Option_text_maps_to_its_letter_when_options_are_known(string gold, string prediction, bool expected)
    {
        var r = Verifier.Verify(gold, prediction, Options);
        Assert.True(r.Equal == expected, $"{gold} vs {prediction}: {r.Reason}");
    }

    [Theory]
    [InlineData("\\frac{1}{2}", "(B)", true)]
    [InlineData("Paris", "C", true)]
    [InlineData("Paris", "(A)", false)]
    [InlineData("12", "A.", true)]
    public void Letter_maps_to_its_option_text_when_the_gold_is_text(string gold, string prediction, bool expected)
    {
        var r = Verifier.Verify(gold, prediction, Options);
        Assert.True(r.Equal == expected, $"{gold} vs {prediction}: {r.Reason}");
    }

    [Fact]
    public void Letter_beyond_the_options_is_not_a_choice() =>
        Assert.False(Verifier.Verify("B", "(F)", new AnswerContext(["1", "2", "3"])).Equal);
}
