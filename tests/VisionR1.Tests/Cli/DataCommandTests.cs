using System.Text.Json;
using VisionR1.Data.Readers;
using VisionR1.Data.Records;
using VisionR1.Problems;
using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Data;

public sealed class DataCommandTests
{
    private static string Reply(string item, string step, bool hasImage) => step switch
    {
        "pseudo_cot" => $"Caption for {item}; the two values add up.",
        "description" => $"The figure of {item} shows 3 and 4 written next to each other.",
        _ => $"<think>Hmm, for {item}: the description shows 3 and 4, so 7.</think><answer>7</answer>",
    };

    private static async Task<string> WriteProblems(TempFolder tmp, int n)
    {
        var problems = Enumerable.Range(0, n).Select(i => new MathProblem($"q{i}", [new ImageRef(null, TinyImages.PngTagged((byte)i))], $"Item-{i:000}: total?", "7", AnswerType: AnswerType.Integer)).ToList();
        var path = tmp.File("problems.jsonl");
        await MathProblemJsonl.WriteAsync(path, problems, tmp.Path);
        return path;
    }

    [Fact]
    public async Task BuildColdThenResumeDoesNothingTheSecondTime()
    {
        using var tmp = new TempFolder();
        await using var server = new FakeChatServer(Reply);
        var input = await WriteProblems(tmp, 5);
        var output = tmp.File("cold.jsonl");
        string[] argv = ["build-cold", "--input", input, "--output", output, "--endpoint", server.BaseUrl, "--model", "m", "--concurrency", "2", "--price-in", "1", "--price-out", "2"];

        var stdout = new StringWriter();
        Assert.Equal(0, await CommandLine.RunAsync(argv, stdout, new StringWriter(), CancellationToken.None));
        Assert.Contains("built 5, already done 0, failed 0", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("tokens in 150 out 300; cost $0.0005", stdout.ToString(), StringComparison.Ordinal); // 10 MLLM calls at $1/$2 per M; the reasoner is priced at 0
        int hits = server.Hits.Values.Sum();

        var again = new StringWriter();
        Assert.Equal(0, await CommandLine.RunAsync(argv, again, new StringWriter(), CancellationToken.None));
        Assert.Contains("built 0, already done 5", again.ToString(), StringComparison.Ordinal);
        Assert.Equal(hits, server.Hits.Values.Sum());
        Assert.Equal(5, File.ReadAllLines(output).Length);
    }

    [Fact]
    public async Task EvalPredictsScoresAndEndsWithAccuracy()
    {
        using var tmp = new TempFolder();
        await using var server = new FakeChatServer((item, _, _) => item == "Item-001" ? "<think>x</think><answer>8</answer>" : "<think>x</think><answer>7</answer>");
        var input = await WriteProblems(tmp, 4);
        var stdout = new StringWriter();

        int code = await CommandLine.RunAsync(["eval", "--input", input, "--predictions", tmp.File("p.jsonl"), "--endpoint", server.BaseUrl, "--model", "m", "--output", tmp.File("s.jsonl")], stdout, new StringWriter(), CancellationToken.None);

        Assert.Equal(0, code);
        Assert.Equal("accuracy: 0.75", stdout.ToString().TrimEnd().Split('\n')[^1].TrimEnd('\r'));
        Assert.Equal(4, File.ReadAllLines(tmp.File("s.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("true_false")).Count());
    }

    [Fact]
    public async Task BuildColdRejectsAMissingEndpoint()
    {
        var stderr = new StringWriter();
        Assert.Equal(2, await CommandLine.RunAsync(["build-cold", "--input", "x.jsonl", "--output", "y.jsonl"], new StringWriter(), stderr, CancellationToken.None));
        Assert.Contains("--endpoint", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildColdWithTheSyntheticTeacherNeedsNoEndpoint()
    {
        using var tmp = new TempFolder();
        var problems = new VisionR1.Data.Synthetic.SyntheticWorldGenerator(new VisionR1.Data.Synthetic.SyntheticWorldOptions { Seed = 1 })
            .Generate(VisionR1.Data.Synthetic.SyntheticSplit.Train, 6).ToList();
        var input = tmp.File("world.jsonl");
        await MathProblemJsonl.WriteAsync(input, problems, tmp.Path);
        var stdout = new StringWriter();

        int code = await CommandLine.RunAsync(["build-cold", "--input", input, "--output", tmp.File("cold.jsonl"), "--teacher", "synthetic"], stdout, new StringWriter(), CancellationToken.None);

        Assert.Equal(0, code);
        Assert.Contains("built 6, already done 0, failed 0", stdout.ToString(), StringComparison.Ordinal);
        Assert.Equal(6, File.ReadAllLines(tmp.File("cold.jsonl")).Length);
    }

    [Fact]
    public async Task EvalWithTheVerifierJudgesFreeFormAnswers()
    {
        using var tmp = new TempFolder();
        await using var server = new FakeChatServer((item, _, _) => item == "Item-002" ? "<think>x</think><answer>\\frac{15}{2}</answer>" : "<think>x</think><answer>7.0</answer>");
        var input = await WriteProblems(tmp, 3);
        var stdout = new StringWriter();

        int code = await CommandLine.RunAsync(["eval", "--benchmark", "verify", "--input", input, "--predictions", tmp.File("p.jsonl"), "--endpoint", server.BaseUrl, "--model", "m"], stdout, new StringWriter(), CancellationToken.None);

        Assert.Equal(0, code);
        Assert.Equal("accuracy: 0.6666666666666666", stdout.ToString().TrimEnd().Split('\n')[^1].TrimEnd('\r'));
    }
}
