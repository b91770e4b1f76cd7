using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Data;

public sealed class FilterCommandTests
{
    [Fact]
    public async Task FilterWritesKeptSamplesAndPrintsThePerRuleReport()
    {
        using var tmp = new TempFolder();
        Directory.CreateDirectory(tmp.File("images"));
        File.WriteAllBytes(tmp.File("images/a.png"), TinyImages.Png);
        var input = tmp.File("cold.jsonl");
        File.WriteAllLines(input,
        [
            """{"id": "ok", "question": "Area?", "answer": "\\frac{1}{2}", "images": ["images/a.png"], "response": "<think>The description says base 1 and height 1. Wait, so the area is 1/2.</think><answer>Final Answer: 0.5</answer>"}""",
            """{"id": "wrong", "question": "Area?", "answer": "3", "images": ["images/a.png"], "response": "<think>So 4.</think><answer>4</answer>"}""",
            """{"id": "loop", "question": "Area?", "answer": "3", "images": ["images/a.png"], "response": "<think>Hmm. Let me check the area again. Let me check the area again. Let me check the area again. Let me check the area again. Let me check the area again.</think><answer>3</answer>"}""",
        ]);
        var stdout = new StringWriter();

        int code = await CommandLine.RunAsync(["filter", "--input", input, "--output", tmp.File("sft.jsonl"), "--rejected", tmp.File("rej.jsonl")], stdout, new StringWriter(), CancellationToken.None);

        Assert.Equal(0, code);
        var text = stdout.ToString();
        Assert.Contains("removed by WrongAnswer", text, StringComparison.Ordinal);
        Assert.Contains("removed by Repetition   1", text, StringComparison.Ordinal);
        Assert.Equal("kept: 1/3", text.TrimEnd().Split('\n')[^1].TrimEnd('\r'));
        Assert.Contains("The image says", File.ReadAllText(tmp.File("sft.jsonl")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatsCountReflectiveWordsInAnyChatData()
    {
        using var tmp = new TempFolder();
        var input = tmp.File("chat.jsonl");
        File.WriteAllLines(input,
        [
            """{"conversations": [{"from": "human", "value": "<image>Wait?"}, {"from": "gpt", "value": "Wait, hmm. Wait."}], "images": ["missing.png"]}""",
            """{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "Alternatively, check it."}]}""",
        ]);
        var stdout = new StringWriter();

        int code = await CommandLine.RunAsync(["filter", "--stats", input], stdout, new StringWriter(), CancellationToken.None);

        Assert.Equal(0, code);
        var lines = stdout.ToString().Split('\n');
        Assert.Contains(lines, l => l.StartsWith("Wait ", StringComparison.Ordinal) && l.Contains(" 2 times in        1 of 2 samples", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Check ", StringComparison.Ordinal) && l.Contains(" 1 times", StringComparison.Ordinal));
    }
}
