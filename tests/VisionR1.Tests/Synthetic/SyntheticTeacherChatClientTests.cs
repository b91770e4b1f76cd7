using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using VisionR1.Data.ColdStart;
using VisionR1.Data.Records;
using VisionR1.Problems;
using VisionR1.Data.Synthetic;

namespace VisionR1.Tests.Synthetic;

public sealed class SyntheticTeacherChatClientTests(WorldFixture world) : IClassFixture<WorldFixture>
{
    private static ChatOptions Step(string step, string id) => new()
    {
        AdditionalProperties = new() { [ColdStartTags.StepKey] = step, [ColdStartTags.ItemIdKey] = id },
    };

    private static ChatMessage WithImage(MathProblem p, string text) =>
        new(ChatRole.User, [new DataContent(p.Images[0].Bytes!, "image/png"), new TextContent(text)]);

    private static string ReasoningPrompt(MathProblem p, string description) =>
        $"Image description: {description}\nQuestion: {p.Question}\nAnswer: {p.Answer}\nFollowing the above image description, think step by step and answer the question directly.";

    /// <summary>Runs the three steps for one item, passing each step's output to the next as the pipeline does.</summary>
    private static async Task<(string PseudoCot, string Description, ChatResponse Reasoning)> BridgeAsync(IChatClient teacher, MathProblem p)
    {
        var pseudo = await teacher.GetResponseAsync([WithImage(p, $"Question: {p.Question}\nAnswer: {p.Answer}\nWrite a caption and reason step by step.")], Step("pseudo_cot", p.Id));
        var description = await teacher.GetResponseAsync([WithImage(p, $"Question: {p.Question}\nReasoning: {pseudo.Text}\nGive a detailed description of the image.")], Step("description", p.Id));
        var reasoning = await teacher.GetResponseAsync([new ChatMessage(ChatRole.User, ReasoningPrompt(p, description.Text))], Step("reasoning", p.Id));
        return (pseudo.Text, description.Text, reasoning);
    }

    private static string? AnswerTag(string text) => Regex.Match(text, @"<answer>(.*?)</answer>") is { Success: true } m ? m.Groups[1].Value : null;

    private static string? Conclusion(string text) => Regex.Match(text, @"So the answer is (\S+?)\. </think>") is { Success: true } m ? m.Groups[1].Value : null;

    [Fact]
    public async Task AFaithfulTeacherAnswersEachStepWithTheRightShape()
    {
        using var teacher = new SyntheticTeacherChatClient(world.Train, SyntheticTeacherOptions.Faithful);
        foreach (var p in world.Train.Take(45))
        {
            var item = SyntheticItem.FromProblem(p);
            var (pseudo, description, reasoning) = await BridgeAsync(teacher, p);
            Assert.StartsWith(item.Caption, pseudo);
            Assert.EndsWith($"So the answer is {p.Answer}.", pseudo);
            Assert.DoesNotContain("<think>", pseudo + description);
            foreach (var f in item.Task.Facts) Assert.Equal(f.Value, FactText.TryParse(description, f.Kind, f.Subject));
            var text = reasoning.Text;
            Assert.Matches(@"^<think> .+ </think><answer>[^<]+</answer>$", text);
            Assert.Equal(p.Answer, AnswerTag(text));
            Assert.Equal(p.Answer, Conclusion(text));
            Assert.Matches(@"\b(Wait|Hmm)\b", text);
            Assert.Matches(@"Let me check|Alternatively", text);
            Assert.Equal(ChatFinishReason.Stop, reasoning.FinishReason);
            Assert.Equal($"{item.Task.Facts.Count}/{item.Task.Facts.Count}", reasoning.AdditionalProperties![SyntheticTeacherChatClient.FactsFromTextProperty]);
        }
    }

    [Fact]
    public async Task ReasoningIsBuiltFromTheDescriptionItIsGiven()
    {
        using var teacher = new SyntheticTeacherChatClient(world.Train, SyntheticTeacherOptions.Faithful);
        var p = world.Train.First(x => SyntheticItem.FromProblem(x).Task.Kind == "bar_sum");
        var item = SyntheticItem.FromProblem(p);
        var (a, b) = (item.Task.Facts[0], item.Task.Facts[1]);
        // A description that misstates both bars: the chain must follow it, not the scene.
        var lie = item.Description([.. item.DescribedFacts().Select(f => f.Subject == a.Subject ? f with { Value = 7 } : f.Subject == b.Subject ? f with { Value = 1 } : f)]);
        var r = await teacher.GetResponseAsync([new ChatMessage(ChatRole.User, ReasoningPrompt(p, lie))], Step("reasoning", p.Id));
        Assert.Contains($"{a.Subject} is 7", r.Text);
        Assert.Contains("7 + 1 = 8", r.Text);
        Assert.Equal("8", AnswerTag(r.Text));
        // A text that states nothing falls back to the ground truth and says so.
        var blank = await teacher.GetResponseAsync([new ChatMessage(ChatRole.User, "Question: " + p.Question)], Step("reasoning", p.Id));
        Assert.Equal(p.Answer, AnswerTag(blank.Text));
        Assert.Equal("0/2", blank.AdditionalProperties![SyntheticTeacherChatClient.FactsFromTextProperty]);
    }

    [Fact]
    public async Task FaultsOccurAtTheConfiguredRatesAndAreVisibleInTheText()
    {
        var options = new SyntheticTeacherOptions
        {
            Seed = 9, DescriptionMiscountRate = 0.1, WrongCountRate = 0.15, InconsistentRate = 0.1, TruncationRate = 0.08, RepetitionRate = 0.07,
        };
        var problems = world.Train.Concat(world.Test).ToList();
        using var teacher = new SyntheticTeacherChatClient(problems, options);
        int n = problems.Count, wrongDescription = 0, wrong = 0, inconsistent = 0, truncated = 0, loops = 0;
        foreach (var p in problems)
        {
            var item = SyntheticItem.FromProblem(p);
            var description = (await teacher.GetResponseAsync([WithImage(p, "Give a detailed description.")], Step("description", p.Id))).Text;
            if (item.Task.Facts.Any(f => FactText.TryParse(description, f.Kind, f.Subject) != f.Value)) wrongDescription++;
            // Reasoning over the true description isolates step-3 faults.
            var r = await teacher.GetResponseAsync([new ChatMessage(ChatRole.User, ReasoningPrompt(p, item.Description()))], Step("reasoning", p.Id));
            var text = r.Text;
            var tag = AnswerTag(text);
            var fault = Enum.Parse<SyntheticTeacherFault>((string)r.AdditionalProperties![SyntheticTeacherChatClient.FaultProperty]!);
            if (tag is null)
            {
                Assert.Equal(ChatFinishReason.Length, r.FinishReason);
                Assert.DoesNotContain("</think>", text);
                bool loop = Regex.Matches(text, @"let me (recount|check)").Count >= 5;
                if (loop) loops++;
                else truncated++;
                Assert.Equal(loop ? SyntheticTeacherFault.Repetition : SyntheticTeacherFault.Truncated, fault);
                continue;
            }
            var conclusion = Conclusion(text);
            if (conclusion != tag)
            {
                inconsistent++;
                Assert.Equal(SyntheticTeacherFault.Inconsistent, fault);
                Assert.Equal(p.Answer, conclusion);
            }
            else if (tag != p.Answer)
            {
                wrong++;
                Assert.Equal(SyntheticTeacherFault.WrongCount, fault);
            }
            else Assert.Equal(SyntheticTeacherFault.None, fault);
        }
        void Near(double expected, int count, string what) =>
            Assert.True(Math.Abs(count / (double)n - expected) < 0.035, $"{what}: {count}/{n} = {count / (double)n:F3}, expected about {expected}");
        Near(0.1, wrongDescription, "misstated descriptions");
        Near(0.15, wrong, "wrong counts");
        Near(0.1, inconsistent, "inconsistent conclusions");
        Near(0.08, truncated, "truncations");
        Near(0.07, loops, "repetition loops");
    }

    [Fact]
    public async Task AMisstatedDescriptionLeadsTheChainToAWrongAnswer()
    {
        var problems = world.Train.Take(200).ToList();
        using var teacher = new SyntheticTeacherChatClient(problems, new SyntheticTeacherOptions { DescriptionMiscountRate = 1, WrongCountRate = 0, InconsistentRate = 0, TruncationRate = 0, RepetitionRate = 0 });
        int wrong = 0;
        foreach (var p in problems)
        {
            var (_, _, reasoning) = await BridgeAsync(teacher, p);
            if (AnswerTag(reasoning.Text) != p.Answer) wrong++;
        }
        Assert.True(wrong >= 190, $"only {wrong} of 200 chains went wrong");
    }

    [Fact]
    public async Task RepliesAreDeterministicPerSeedAndThreadSafe()
    {
        var problems = world.Test.Take(40).ToList();
        var options = new SyntheticTeacherOptions { Seed = 4, WrongCountRate = 0.3, InconsistentRate = 0.2 };
        using var a = new SyntheticTeacherChatClient(problems, options);
        using var b = new SyntheticTeacherChatClient(problems, options);
        using var other = new SyntheticTeacherChatClient(problems, options with { Seed = 5 });
        async Task<string[]> All(IChatClient t) => await Task.WhenAll(problems.Select(async p =>
            (await t.GetResponseAsync([new ChatMessage(ChatRole.User, ReasoningPrompt(p, SyntheticItem.FromProblem(p).Description()))], Step("reasoning", p.Id))).Text));
        var first = await All(a);
        var parallel = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => All(a))));
        Assert.All(parallel, r => Assert.Equal(first, r));
        Assert.Equal(first, await All(b));
        Assert.NotEqual(first, await All(other));
    }

    [Fact]
    public async Task StreamingGivesTheSameTextAndReportsUsage()
    {
        using var teacher = new SyntheticTeacherChatClient(world.Train.Take(10), SyntheticTeacherOptions.Faithful);
        var p = world.Train[4];
        var messages = new[] { new ChatMessage(ChatRole.User, ReasoningPrompt(p, SyntheticItem.FromProblem(p).Description())) };
        var whole = await teacher.GetResponseAsync(messages, Step("reasoning", p.Id));
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in teacher.GetStreamingResponseAsync(messages, Step("reasoning", p.Id))) updates.Add(u);
        Assert.True(updates.Count > 10);
        var streamed = updates.ToChatResponse();
        Assert.Equal(whole.Text, streamed.Text);
        Assert.Equal(whole.Usage!.OutputTokenCount, streamed.Usage!.OutputTokenCount);
        Assert.Equal(whole.Usage.InputTokenCount, streamed.Usage.InputTokenCount);
        Assert.Equal(SyntheticTeacherChatClient.CountTokens(whole.Text), whole.Usage.OutputTokenCount);
        Assert.Equal(whole.Usage.InputTokenCount + whole.Usage.OutputTokenCount, whole.Usage.TotalTokenCount);
        Assert.True(whole.Usage.InputTokenCount > 20);
        Assert.Equal(ChatFinishReason.Stop, streamed.FinishReason);
        Assert.Equal("synthetic-teacher", whole.ModelId);
        Assert.Equal("synthetic-teacher", teacher.GetService<ChatClientMetadata>()!.DefaultModelId);
        Assert.Same(teacher, teacher.GetService<SyntheticTeacherChatClient>());
    }

    [Fact]
    public async Task WorksBehindADelegatingChatClient()
    {
        using var teacher = new SyntheticTeacherChatClient(world.Train.Take(10), SyntheticTeacherOptions.Faithful);
        using IChatClient client = new PassThrough(teacher);
        var p = world.Train[2];
        var r = await client.GetResponseAsync([WithImage(p, "Write a caption and reason step by step.")], Step("pseudo_cot", p.Id));
        Assert.StartsWith(SyntheticItem.FromProblem(p).Caption, r.Text);
    }

    [Fact]
    public async Task WithoutTheStepPropertyTheStepIsInferredAndTheImageIdentifiesTheItem()
    {
        using var teacher = new SyntheticTeacherChatClient(world.Train.Take(30), SyntheticTeacherOptions.Faithful);
        var p = world.Train[7];
        var item = SyntheticItem.FromProblem(p);
        var pseudo = await teacher.GetResponseAsync([WithImage(p, "Here is a question and its answer. Explain the image and reason step by step.")]);
        Assert.StartsWith(item.Caption, pseudo.Text);
        Assert.Equal("pseudo_cot", pseudo.AdditionalProperties![ColdStartTags.StepKey]);
        var description = await teacher.GetResponseAsync([WithImage(p, "Please give a DETAILED DESCRIPTION of the image.")]);
        Assert.Equal(item.Description(), description.Text);
        var noImage = new ChatOptions { AdditionalProperties = new() { [ColdStartTags.ItemIdKey] = p.Id } };
        var reasoning = await teacher.GetResponseAsync([new ChatMessage(ChatRole.User, ReasoningPrompt(p, description.Text))], noImage);
        Assert.StartsWith("<think>", reasoning.Text);
        // Nothing to identify the item: a clear error.
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => teacher.GetResponseAsync([new ChatMessage(ChatRole.User, "Describe it.")]));
        Assert.Contains(ColdStartTags.ItemIdKey, e.Message);
        var unknown = await Assert.ThrowsAsync<InvalidOperationException>(() => teacher.GetResponseAsync([new ChatMessage(ChatRole.User, "x")], Step("reasoning", "no-such-id")));
        Assert.Contains("no-such-id", unknown.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => teacher.GetResponseAsync([new ChatMessage(ChatRole.User, "x")], Step("summary", p.Id)));
    }

    [Fact]
    public async Task ReasoningStaysShortForATinyModel()
    {
        using var teacher = new SyntheticTeacherChatClient(world.Train, SyntheticTeacherOptions.Faithful);
        var lengths = new List<int>();
        foreach (var p in world.Train)
        {
            var r = await teacher.GetResponseAsync([new ChatMessage(ChatRole.User, ReasoningPrompt(p, SyntheticItem.FromProblem(p).Description()))], Step("reasoning", p.Id));
            lengths.Add(SyntheticTeacherChatClient.CountTokens(r.Text));
        }
        Assert.True(lengths.Average() <= 120, $"mean {lengths.Average():F1} tokens");
        Assert.True(lengths.Max() <= 200, $"max {lengths.Max()} tokens");
    }

    [Fact]
    public void TheTeacherRefusesNonSyntheticProblemsAndDuplicateIds()
    {
        var plain = new MathProblem("x1", [], "q", "1");
        Assert.Contains("x1", Assert.Throws<FormatException>(() => new SyntheticTeacherChatClient([plain])).Message);
        Assert.Contains(world.Train[0].Id, Assert.Throws<ArgumentException>(() => new SyntheticTeacherChatClient([world.Train[0], world.Train[0]])).Message);
        Assert.Throws<ArgumentException>(() => new SyntheticTeacherChatClient(world.Train.Take(1), new SyntheticTeacherOptions { WrongCountRate = 0.6, InconsistentRate = 0.6 }));
    }

    private sealed class PassThrough(IChatClient inner) : DelegatingChatClient(inner);
}
