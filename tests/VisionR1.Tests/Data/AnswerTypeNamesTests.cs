using VisionR1.Problems;

namespace VisionR1.Tests.Data;

public sealed class AnswerTypeNamesTests
{
    [Fact]
    public void Every_answer_type_reads_back_from_its_spelling()
    {
        foreach (var type in Enum.GetValues<AnswerType>())
            Assert.Equal(type, AnswerTypeNames.Parse(AnswerTypeNames.Format(type)));
    }

    [Theory]
    [InlineData("float", AnswerType.Float)]
    [InlineData(" Number ", AnswerType.Float)]
    [InlineData("multiple choice", AnswerType.MultipleChoice)]
    [InlineData("multiple_choice", AnswerType.MultipleChoice)]
    [InlineData("free form", AnswerType.Text)]
    [InlineData("free_form", AnswerType.Text)]
    [InlineData(null, AnswerType.Text)]
    [InlineData("INT", AnswerType.Integer)]
    public void Benchmark_spellings_map_to_their_type(string? spelling, AnswerType expected)
    {
        Assert.True(AnswerTypeNames.TryParse(spelling, out var type));
        Assert.Equal(expected, type);
    }

    [Fact]
    public void A_multiple_choice_question_type_wins_and_an_unknown_spelling_fails()
    {
        Assert.Equal(AnswerType.MultipleChoice, AnswerTypeNames.Parse("integer", AnswerTypeNames.MultiChoice));
        Assert.False(AnswerTypeNames.TryParse("matrix", out _));
        Assert.Contains("'matrix'", Assert.Throws<FormatException>(() => AnswerTypeNames.Parse(" Matrix ")).Message);
    }
}
