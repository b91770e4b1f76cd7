using VisionR1.Answers;
using VisionR1.Data.Benchmarks;
using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Data;

public sealed class ExtractionTests
{
    [Theory]
    [InlineData("<think>hmm</think><answer>Final Answer: 12</answer>", "12")]
    [InlineData("<think>first \\boxed{3}</think><answer>\\boxed{\\frac{1}{2}}</answer>", "\\frac{1}{2}")]
    [InlineData("so \\boxed{x^{2}+1} and that's it", "x^{2}+1")]
    [InlineData("Therefore, the answer is 42.", "42")]
    [InlineData("The answer: $\\text{blue}$", "blue")]
    [InlineData("just 17", "just 17")]
    public void FinalAnswerSpanPrefersTagsThenBoxesThenPhrases(string response, string expected) =>
        Assert.Equal(expected, AnswerExtractor.MarkedAnswer(response, out _));

    [Fact]
    public void NumericAnswersFallBackToTheLastNumberAndSimpleFractions()
    {
        Assert.Equal("1234", AnswerExtractor.Extract(new ExtractionRequest("q", "We get 12 and then 1,234 apples", AnswerType: "integer"), AnswerExtractionMode.MathVistaRules));
        Assert.Equal("0.75", AnswerExtractor.Extract(new ExtractionRequest("q", "It equals \\frac{3}{4}", AnswerType: "float"), AnswerExtractionMode.MathVistaRules));
    }

    [Theory]
    [InlineData(AnswerExtractionMode.Default, "5")]
    [InlineData(AnswerExtractionMode.Marked, "Adding both sides gives 5 apples overall")]
    [InlineData(AnswerExtractionMode.MathVistaRules, "5")]
    [InlineData(AnswerExtractionMode.Boxed, "")]
    public void OneExtractorReadsAnUnmarkedResponseByTheRulesOfEachMode(AnswerExtractionMode mode, string expected) =>
        Assert.Equal(expected, AnswerExtractor.Extract(new ExtractionRequest("x?", "Adding both sides gives 5 apples overall.", AnswerType: "integer"), mode));

    [Theory]
    [InlineData(AnswerExtractionMode.Default, "\\boxed{1} then \\boxed 2", "2")]
    [InlineData(AnswerExtractionMode.Boxed, "\\boxed{1} then \\boxed 2", "1")]
    [InlineData(AnswerExtractionMode.Marked, "<answer>(B) 7</answer>", "(B) 7")]
    public async Task TheModesDifferWhereTheirRulesDo(AnswerExtractionMode mode, string response, string expected)
    {
        Assert.Equal(expected, AnswerExtractor.Extract(response, mode));
        Assert.Equal(expected, await new RuleBasedAnswerExtractor(mode).ExtractAsync(new ExtractionRequest("q", response)));
    }

    [Fact]
    public void MathVistaRulesReadAnOptionOnlyWithTheChoices()
    {
        const string response = "Counting the sides, I choose (B).";
        Assert.Equal("B", AnswerExtractor.Extract(new ExtractionRequest("q", response, ["3", "4"], IsMultipleChoice: true), AnswerExtractionMode.MathVistaRules));
        Assert.Equal("Counting the sides, I choose (B)", AnswerExtractor.Extract(response, AnswerExtractionMode.MathVistaRules));
    }

    [Fact]
    public async Task TheJudgeExtractorAsksTheModelAndFallsBackToRulesOnAnEmptyReply()
    {
        var judge = new RecordingChatClient((_, msgs) => msgs[^1].Text.Contains("pears", StringComparison.Ordinal) ? "" : " C ");
        var extractor = new ChatJudgeAnswerExtractor(judge);

        var letter = await extractor.ExtractAsync(new ExtractionRequest("Which fruit?", "I think it must be the third one, cherries.", ["apples", "bananas", "cherries"], IsMultipleChoice: true));
        var fallback = await extractor.ExtractAsync(new ExtractionRequest("How many pears?", "There are 5 pears.", AnswerType: "integer"));

        Assert.Equal("C", letter);
        Assert.Equal("5", fallback);
        var prompt = judge.Calls.First().Messages.Single().Text;
        Assert.Contains("(C) cherries", prompt, StringComparison.Ordinal);
        Assert.Equal(0f, judge.Options.First()!.Temperature);
    }

    [Fact]
    public async Task ScoreCommandHandlesMmMathDynaMathAndMathVerseFiles()
    {
        using var tmp = new TempFolder();
        File.WriteAllLines(tmp.File("mm.jsonl"),
        [
            """{"answer": "\\boxed{25}", "response": "so \\boxed{0.25}", "difficulty": "easy"}""",
            """{"answer": "\\boxed{3}", "response": "so \\boxed{4}", "difficulty": "hard"}""",
        ]);
        File.WriteAllLines(tmp.File("dyna.jsonl"),
        [
            """{"seed": "1", "answer_type": "float", "answer": "1.5", "response": "<answer>1.5</answer>"}""",
            """{"seed": "1", "answer_type": "float", "answer": "2.5", "response": "<answer>2.4</answer>"}""",
            """{"seed": "2", "answer_type": "multiple choice", "answer": "B", "response": "<answer>B</answer>"}""",
        ]);
        File.WriteAllLines(tmp.File("verse.jsonl"),
        [
            """{"question_type": "multi-choice", "answer": "A", "response": "The correct option is A.", "problem_version": "Vision Only"}""",
            """{"question_type": "free-form", "answer": "12", "extraction": "13", "problem_version": "Text Lite"}""",
        ]);

        async Task<string[]> Run(string bench, string file)
        {
            var stdout = new StringWriter();
            Assert.Equal(0, await CommandLine.RunAsync(["score", bench, "--input", tmp.File(file), "--output", tmp.File(bench + ".out")], stdout, new StringWriter(), CancellationToken.None));
            return stdout.ToString().TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        }

        Assert.Equal("accuracy: 0.5", (await Run("mmmath", "mm.jsonl"))[^1]);
        var dyna = await Run("dynamath", "dyna.jsonl");
        Assert.Equal("accuracy: 0.6666666666666666", dyna[^1]);
        Assert.Contains(dyna, l => l.Contains("seeds", StringComparison.Ordinal) && l.Contains("(1/2,", StringComparison.Ordinal));
        var verse = await Run("mathverse", "verse.jsonl");
        Assert.Equal("accuracy: 0.5", verse[^1]);
        Assert.Contains(verse, l => l.Contains("Vision Only", StringComparison.Ordinal));
        Assert.Equal(2, File.ReadAllLines(tmp.File("mathverse.out")).Length);
    }

    [Fact]
    public async Task ScoreMathVistaCanExtractWithAJudgeEndpoint()
    {
        using var tmp = new TempFolder();
        await using var server = new FakeChatServer((_, _, _) => "B");
        File.WriteAllLines(tmp.File("items.jsonl"),
        [
            """{"pid": "1", "question_type": "multi_choice", "answer_type": "text", "choices": ["red", "blue"], "answer": "blue", "response": "Hard to say; probably the second colour."}""",
        ]);
        var stdout = new StringWriter();

        int code = await CommandLine.RunAsync(["score", "mathvista", "--input", tmp.File("items.jsonl"), "--judge-endpoint", server.BaseUrl, "--judge-model", "judge"], stdout, new StringWriter(), CancellationToken.None);

        Assert.Equal(0, code);
        Assert.Equal("accuracy: 1", stdout.ToString().TrimEnd().Split('\n')[^1].TrimEnd('\r'));
        Assert.Single(server.Bodies);
    }
}
