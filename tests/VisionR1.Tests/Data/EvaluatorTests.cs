using System.Text.Json;
using VisionR1.Data.Benchmarks;
using VisionR1.Data.Evaluation;
using VisionR1.Data.Records;
using VisionR1.Problems;

namespace VisionR1.Tests.Data;

public sealed class EvaluatorTests
{
    private static List<MathProblem> Problems(int n) => Enumerable.Range(0, n).Select(i =>
        i % 2 == 0
            ? new MathProblem($"{i}", [new ImageRef(null, TinyImages.PngTagged((byte)i))], $"Item-{i:000}: how many?", $"{i}", AnswerType: AnswerType.Integer,
                Metadata: new Dictionary<string, string> { ["source"] = "synthetic", ["skills"] = "arithmetic reasoning,counting" })
            : new MathProblem($"{i}", [new ImageRef(null, TinyImages.PngTagged((byte)i))], $"Item-{i:000}: which?", "blue", ["red", "blue"], AnswerType.MultipleChoice,
                Metadata: new Dictionary<string, string> { ["source"] = "synthetic" }))
        .ToList();

    [Fact]
    public async Task PredictionsUseThePaperSamplingAndResumeWithoutRegenerating()
    {
        using var tmp = new TempFolder();
        var client = new RecordingChatClient((_, msgs) => msgs[^1].Text.Contains("which?", StringComparison.Ordinal) ? "<think>blue it is</think><answer>B</answer>" : "<think>count</think><answer>4</answer>");
        var path = tmp.File("preds.jsonl");
        var problems = Problems(6);

        var first = await new Evaluator(client).PredictAsync(problems.Take(4).ToAsyncEnumerable(), path);
        var second = await new Evaluator(client).PredictAsync(problems.ToAsyncEnumerable(), path);

        Assert.Equal(4, first.Generated);
        Assert.Equal(2, second.Generated);
        Assert.Equal(4, second.Resumed);
        Assert.Equal(6, client.Calls.Count);
        Assert.All(client.Options, o => { Assert.Equal(0.6f, o!.Temperature); Assert.Equal(0.95f, o.TopP); });
        var choicePrompt = client.Calls.First(c => c.Messages[^1].Text.Contains("which?", StringComparison.Ordinal)).Messages[^1].Text;
        Assert.Contains("(B) blue", choicePrompt, StringComparison.Ordinal);

        var report = await new MathVistaScorer().ScoreFileAsync(path, tmp.File("scored.jsonl"));
        Assert.Equal(6, report.Overall.Total);
        Assert.Equal(4, report.Overall.Correct); // the three choice items and item 4
        Assert.Equal(3, report.Breakdown["skills"]["counting"].Total);
        var scored = File.ReadAllLines(tmp.File("scored.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("blue", scored.First(s => s.GetProperty("pid").GetString() == "1").GetProperty("prediction").GetString());
    }

    [Fact]
    public async Task PredictionsThroughARealEndpointSurviveFaults()
    {
        using var tmp = new TempFolder();
        await using var server = new FakeChatServer((item, _, _) => $"<think>looking at {item}</think><answer>{int.Parse(item[5..], System.Globalization.CultureInfo.InvariantCulture)}</answer>", faultRate: 0.3, seed: 3) { Stall = TimeSpan.FromSeconds(3) };
        var problems = Problems(10).Where(p => p.AnswerType == AnswerType.Integer).ToList();
        var path = tmp.File("preds.jsonl");
        var options = new EvaluationOptions(MaxConcurrency: 3, MaxRetries: 14, RetryBaseDelay: TimeSpan.FromMilliseconds(2), RequestTimeout: TimeSpan.FromSeconds(1));

        var summary = await new Evaluator(options.Compose(server.Client()), options).PredictAsync(problems.ToAsyncEnumerable(), path);

        Assert.Equal(5, summary.Generated);
        Assert.Equal(0, summary.Failed);
        var report = await new MathVistaScorer().ScoreFileAsync(path);
        Assert.Equal(5, report.Overall.Correct);
        Assert.Contains(server.Bodies, b => b.Contains("\"top_p\":0.95", StringComparison.Ordinal));
    }
}
