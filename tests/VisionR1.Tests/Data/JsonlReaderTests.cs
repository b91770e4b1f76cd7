using VisionR1.Data.Readers;
using VisionR1.Data.Records;
using VisionR1.Inputs;
using VisionR1.Problems;

namespace VisionR1.Tests.Data;

public sealed class JsonlReaderTests
{
    private static async Task<List<T>> All<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var i in items) list.Add(i);
        return list;
    }

    [Fact]
    public async Task ProblemsRoundTripWithImagePathsRelativeToTheDataRoot()
    {
        using var tmp = new TempFolder();
        Directory.CreateDirectory(tmp.File("img"));
        File.WriteAllBytes(tmp.File("img/a.png"), TinyImages.Png);
        var problems = new[]
        {
            new MathProblem("a", [new ImageRef(tmp.File("img/a.png"), null)], "What is x?", "3", Precision: null),
            new MathProblem("b", [new ImageRef(null, TinyImages.PngTagged(7))], "Pick one", "blue", ["red", "blue"], AnswerType.MultipleChoice, Metadata: new Dictionary<string, string> { ["source"] = "test" }),
        };
        var path = tmp.File("problems.jsonl");
        await MathProblemJsonl.WriteAsync(path, problems, tmp.Path);

        Assert.Contains("\"images\":[\"img/a.png\"]", File.ReadAllText(path), StringComparison.Ordinal);
        var back = await All(MathProblemJsonl.ReadAsync(path));
        Assert.Equal(2, back.Count);
        Assert.Equal(tmp.File("img/a.png"), back[0].Images[0].Path);
        Assert.Equal(AnswerType.MultipleChoice, back[1].AnswerType);
        Assert.Equal(["red", "blue"], back[1].Choices!);
        Assert.Equal(TinyImages.PngTagged(7), File.ReadAllBytes(back[1].Images[0].Path!));
        Assert.Equal("test", back[1].Metadata!["source"]);
    }

    [Fact]
    public async Task MalformedLinesAreSkippedAndCountedWithTheirLineNumber()
    {
        using var tmp = new TempFolder();
        File.WriteAllBytes(tmp.File("ok.png"), TinyImages.Png);
        var path = tmp.File("mixed.jsonl");
        File.WriteAllLines(path,
        [
            """{"id": "1", "images": ["ok.png"], "question": "q", "answer": "1"}""",
            """{"id": "2", "images": ["ok.png"], "question": "q"}""",
            """{"id": "3", "images": ["../../etc/passwd"], "question": "q", "answer": "1"}""",
            "not json at all",
            "",
            """{"id": "5", "images": ["missing.png"], "question": "q", "answer": "1"}""",
            """{"pid": "6", "image": "ok.png", "problem": "q", "answer": 7}""",
        ]);

        var report = new ReadReport();
        var back = await All(MathProblemJsonl.ReadAsync(path, report: report));

        Assert.Equal(["1", "6"], back.Select(p => p.Id));
        Assert.Equal("7", back[1].Answer);
        Assert.Equal(["mixed.jsonl:2", "mixed.jsonl:3", "mixed.jsonl:4", "mixed.jsonl:6"], report.Skipped.Select(s => s.Location));
        Assert.Contains("answer", report.Skipped[0].Reason, StringComparison.Ordinal);
        Assert.Contains("leaves the data root", report.Skipped[1].Reason, StringComparison.Ordinal);
        Assert.Contains("not found", report.Skipped[3].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StrictReadingFailsAtTheFirstBadLineNamingIt()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("bad.jsonl");
        File.WriteAllLines(path, ["""{"id": "1", "question": "q", "answer": "1"}""", """{"id": "2", "images": ["/etc/passwd"], "question": "q", "answer": "1"}"""]);

        var ex = await Assert.ThrowsAsync<DataFormatException>(() => All(MathProblemJsonl.ReadAsync(path, new ReadOptions(Strict: true))));

        Assert.Equal("bad.jsonl:2", ex.Location);
        Assert.Contains("absolute", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShareGptAndOpenAiChatLayoutsBothReadAndWriteBackAsShareGpt()
    {
        using var tmp = new TempFolder();
        File.WriteAllBytes(tmp.File("x.png"), TinyImages.Png);
        var path = tmp.File("cold.jsonl");
        File.WriteAllLines(path,
        [
            """{"id": "s1", "conversations": [{"from": "human", "value": "<image>What is x?"}, {"from": "gpt", "value": "<think>hmm</think><answer> Final Answer:3 </answer>"}], "images": ["x.png"]}""",
            """{"messages": [{"role": "user", "content": "<image>Area?"}, {"role": "assistant", "content": "<think>a</think><answer>4</answer>"}], "images": ["x.png"]}""",
            """{"id": "s3", "conversations": [{"from": "human", "value": "<image><image>two"}], "images": ["x.png"]}""",
        ]);

        var report = new ReadReport();
        var samples = await All(ChatSampleJsonl.ReadAsync(path, report: report));

        Assert.Equal(2, samples.Count);
        Assert.Equal("<image>What is x?", samples[0].Prompt);
        Assert.StartsWith("<think>hmm", samples[0].Response, StringComparison.Ordinal);
        Assert.Equal("cold.jsonl:2", samples[1].Id);
        Assert.Contains("2 <image> token(s) but 1 image(s)", report.Skipped.Single().Reason, StringComparison.Ordinal);

        var outPath = tmp.File("out.jsonl");
        await ChatSampleJsonl.WriteAsync(outPath, samples.ToAsyncEnumerable(), tmp.Path);
        var text = File.ReadAllText(outPath);
        Assert.Contains("\"from\":\"gpt\"", text, StringComparison.Ordinal);
        Assert.Contains("\"images\":[\"x.png\"]", text, StringComparison.Ordinal);
        Assert.Equal(2, (await All(ChatSampleJsonl.ReadAsync(outPath))).Count);
    }

    [Fact]
    public void ASampleBecomesTheConversationTheTemplateTakesWithImagesWhereItsTokensStand()
    {
        ImageRef a = new("a.png", null), b = new("b.png", null);
        var sample = new ChatSample("s", [ChatTurn.System("be brief"), ChatTurn.User("Compare <image> with <image>?"), ChatTurn.Assistant("same")], [a, b]);

        var turns = sample.ToConversation();

        Assert.Equal([ChatTurn.SystemRole, ChatTurn.UserRole, ChatTurn.AssistantRole], turns.Select(t => t.Role));
        Assert.Equal<ChatPart>([new TextPart("Compare "), new ImageRefPart(a), new TextPart(" with "), new ImageRefPart(b), new TextPart("?")], turns[1].Parts);
        Assert.Equal("Compare <image> with <image>?", sample.Prompt);
        Assert.Equal("same", sample.Response);

        var untokened = new ChatSample("u", [ChatTurn.User("Area?"), ChatTurn.Assistant("4")], [a]).ToConversation();
        Assert.Equal<ChatPart>([new ImageRefPart(a), new TextPart("Area?")], untokened[0].Parts);

        var e = Assert.Throws<InvalidOperationException>(() => new ChatSample("bad", [ChatTurn.User("<image>")], [a, b]).ToConversation());
        Assert.Contains("Sample 'bad': 1 <image> token(s) but 2 image(s)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_supervised_sample_about_a_problem_is_the_problems_turns_with_the_reply()
    {
        ImageRef a = new("a.png", null), b = new("b.png", null);
        var problem = new MathProblem("p1", [a, b], "Which is larger?", "B", ["1", "2"], AnswerType.MultipleChoice);

        var sample = ChatSample.Supervised(problem, problem.PromptText(), "<think>2 > 1</think><answer>B</answer>");
        var expected = ProblemTurns.WithReply(problem, problem.PromptText(), "<think>2 > 1</think><answer>B</answer>");
        var turns = sample.ToConversation();

        Assert.Equal("p1", sample.Id);
        Assert.Same(problem, sample.Problem);
        Assert.Equal(problem.PromptText(), sample.Prompt);
        Assert.Equal(expected.Select(t => t.Role), turns.Select(t => t.Role));
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i].Parts, turns[i].Parts);
    }
}
