using VisionR1.Data.ColdStart;

namespace VisionR1.Tests.Data;

public sealed class ColdStartTagsTests
{
    [Theory]
    [InlineData(ColdStartStep.PseudoCot, "pseudo_cot")]
    [InlineData(ColdStartStep.Description, "description")]
    [InlineData(ColdStartStep.Reasoning, "reasoning")]
    public void Step_names_are_the_wire_names_and_read_back(ColdStartStep step, string name)
    {
        Assert.Equal(name, ColdStartTags.Name(step));
        Assert.True(ColdStartTags.TryParse(name, out var read));
        Assert.Equal(step, read);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Reasoning")]
    [InlineData("caption")]
    public void Other_step_names_are_not_read(string? name) => Assert.False(ColdStartTags.TryParse(name, out _));
}
