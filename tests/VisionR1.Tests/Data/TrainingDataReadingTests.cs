using VisionR1.Data.Readers;
using VisionR1.Inputs;
using VisionR1.Problems;

namespace VisionR1.Tests.Data;

/// <summary>The reader options training data needs: locations by the path given, optional ids, checks per item, inferred choices.</summary>
public sealed class TrainingDataReadingTests
{
    [Fact]
    public async Task Problems_without_ids_take_their_location_only_when_ids_are_optional_and_locations_use_the_source_name()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("rl.jsonl");
        File.WriteAllLines(path, ["""{"id": "a", "problem": "p", "answer": "1"}""", """{"question": "q", "answer": 5}"""]);

        var strictIds = new ReadReport();
        Assert.Equal(["a"], (await MathProblemJsonl.ReadAsync(path, report: strictIds).ToListAsync()).Select(p => p.Id));
        Assert.Equal("rl.jsonl:2", strictIds.Skipped.Single().Location);
        Assert.Contains("'id'", strictIds.Skipped.Single().Reason, StringComparison.Ordinal);

        var options = new ReadOptions { SourceName = path, OptionalIds = true };
        var read = await MathProblemJsonl.ReadAsync(path, options).ToListAsync();
        Assert.Equal(["a", $"{path}:2"], read.Select(p => p.Id));
        Assert.Equal("5", read[1].Answer);
    }

    [Fact]
    public async Task Choices_without_a_stated_type_make_a_multiple_choice_problem_and_a_stated_type_wins()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("p.jsonl");
        File.WriteAllLines(path,
        [
            """{"id": "c", "question": "Pick one.", "answer": "B", "choices": ["1", "2"]}""",
            """{"id": "t", "question": "Name it.", "answer": "2", "choices": ["1", "2"], "answer_type": "text"}""",
            """{"id": "n", "question": "How many?", "answer": "2"}""",
        ]);

        var read = await MathProblemJsonl.ReadAsync(path).ToListAsync();

        Assert.Equal([AnswerType.MultipleChoice, AnswerType.Text, AnswerType.Text], read.Select(p => p.AnswerType));
    }

    [Fact]
    public async Task An_accept_check_names_the_line_of_each_item_it_refuses_and_strict_stops_there()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("sft.jsonl");
        static string Sample(string answer) => $$"""{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "{{answer}}"}]}""";
        File.WriteAllLines(path, [Sample("short"), Sample("far too long"), Sample("ok")]);
        static string? Accept(VisionR1.Data.Records.ChatSample s) => s.Response.Length > 5 ? "too long" : null;

        var report = new ReadReport();
        var read = await ChatSampleJsonl.ReadAsync(path, Accept, new ReadOptions { SourceName = path }, report).ToListAsync();

        Assert.Equal(["short", "ok"], read.Select(s => s.Response));
        Assert.Equal(new SkippedItem($"{path}:2", "too long"), report.Skipped.Single());
        Assert.Equal(2, report.Read);
        var e = await Assert.ThrowsAsync<DataFormatException>(async () => await ChatSampleJsonl.ReadAsync(path, Accept, new ReadOptions(Strict: true)).ToListAsync());
        Assert.Equal("sft.jsonl:2: too long", e.Message);
    }

    [Fact]
    public async Task Chat_lines_without_a_reply_with_an_unknown_role_or_with_images_and_no_user_turn_are_named_and_skipped()
    {
        using var tmp = new TempFolder();
        File.WriteAllBytes(tmp.File("a.png"), TinyImages.Png);
        var path = tmp.File("c.jsonl");
        File.WriteAllLines(path,
        [
            """{"messages": [{"role": "user", "content": "q"}]}""",
            """{"messages": [{"role": "user", "content": "q"}, {"role": "robot", "content": "x"}]}""",
            """{"messages": [{"role": "system", "content": "s"}, {"role": "assistant", "content": "a"}], "images": ["a.png"]}""",
            """{"messages": [{"role": "user"}, {"role": "assistant", "content": "a"}]}""",
            """not json""",
            """{"conversations": [{"from": "human", "value": "<image>q"}, {"from": "gpt", "value": "a"}], "images": ["a.png"]}""",
        ]);

        var report = new ReadReport();
        var read = await ChatSampleJsonl.ReadAsync(path, report: report).ToListAsync();

        Assert.Single(read);
        Assert.Equal<ChatPart>([new ImageRefPart(read[0].Images[0]), new TextPart("q")], read[0].ToConversation()[0].Parts);
        Assert.Equal(["c.jsonl:1", "c.jsonl:2", "c.jsonl:3", "c.jsonl:4", "c.jsonl:5"], report.Skipped.Select(s => s.Location));
        Assert.Equal("no assistant turn to learn from", report.Skipped[0].Reason);
        Assert.StartsWith("turn 2 has the unknown role 'robot'", report.Skipped[1].Reason, StringComparison.Ordinal);
        Assert.Equal("1 image(s) but no user turn to hold them", report.Skipped[2].Reason);
        Assert.Equal("turn 1 has no 'content' text", report.Skipped[3].Reason);
        Assert.StartsWith("not valid JSON (", report.Skipped[4].Reason, StringComparison.Ordinal);
    }
}
