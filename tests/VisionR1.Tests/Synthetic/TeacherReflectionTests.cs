using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using VisionR1.Data.ColdStart;
using VisionR1.Data.Records;
using VisionR1.Problems;
using VisionR1.Data.Synthetic;

namespace VisionR1.Tests.Synthetic;

/// <summary>The teacher's long reasoning: <see cref="SyntheticTeacherOptions.MaxExtraReflections"/>.</summary>
public sealed class TeacherReflectionTests(WorldFixture world) : IClassFixture<WorldFixture>
{
    private static ChatOptions Step(string step, string id) => new()
    {
        AdditionalProperties = new() { [ColdStartTags.StepKey] = step, [ColdStartTags.ItemIdKey] = id },
    };

    private static async Task<string> ReasoningAsync(IChatClient teacher, MathProblem p)
    {
        var description = SyntheticItem.FromProblem(p).Caption;
        var prompt = $"Image description: {description}\nQuestion: {p.Question}\nAnswer: {p.Answer}\nFollowing the above image description, think step by step and answer the question directly.";
        return (await teacher.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)], Step("reasoning", p.Id))).Text;
    }

    private static int Rechecks(string text) => Regex.Count(text, @"\b(Wait|Hmm), let me ");

    [Fact]
    public async Task Extra_reflections_lengthen_some_chains_by_up_to_the_maximum_and_keep_them_correct()
    {
        using var plain = new SyntheticTeacherChatClient(world.Train, SyntheticTeacherOptions.Faithful);
        using var longer = new SyntheticTeacherChatClient(world.Train, SyntheticTeacherOptions.Faithful with { MaxExtraReflections = 3 });
        var counts = new List<int>();
        foreach (var p in world.Train.Take(60))
        {
            var a = await ReasoningAsync(plain, p);
            var b = await ReasoningAsync(longer, p);
            Assert.Equal(1, Rechecks(a));
            int n = Rechecks(b);
            Assert.InRange(n, 1, 4);
            counts.Add(n);
            Assert.EndsWith($"So the answer is {p.Answer}. </think><answer>{p.Answer}</answer>", b);
            Assert.True(b.Length >= a.Length);
        }
        // Uniform over 0..3 extra: every length occurs in 60 chains.
        Assert.Equal([1, 2, 3, 4], counts.Distinct().Order().ToArray());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(5)]
    public void The_maximum_is_checked(int max)
    {
        var e = Assert.Throws<ArgumentException>(() => (SyntheticTeacherOptions.Faithful with { MaxExtraReflections = max }).Validate());
        Assert.Contains("MaxExtraReflections", e.Message);
    }
}
