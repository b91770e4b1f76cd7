using VisionR1.Answers;
using VisionR1.Data.ColdStart;
using VisionR1.Data.Filtering;
using VisionR1.Data.Records;
using VisionR1.Problems;
using VisionR1.Data.Readers;

namespace VisionR1.Tests.Data;

public sealed class CotFilterTests
{
    private static readonly CotFilter Filter = new(new MathVerifier());

    private const string Good = "<think>\nThe image shows sides 3 and 4. Wait, is it a right angle? Yes. So the hypotenuse is 5.\n</think>\n<answer>Final Answer:5</answer>";

    [Fact]
    public void AWellFormedCorrectConsistentSampleIsKept()
    {
        var v = Filter.Check(Good, "5");
        Assert.True(v.Kept, v.Reason);
        Assert.Null(v.FailedRule);
    }

    [Theory]
    [InlineData("<think>The sides are 3 and 4, so the hypot", FilterRule.Truncated)]
    [InlineData("<think>a</think><answer>\\boxed{5</answer>", FilterRule.Truncated)]
    [InlineData("<think>a</think>", FilterRule.Truncated)]
    [InlineData("<think>a</think><answer>5", FilterRule.Truncated)]
    [InlineData("The answer is 5.", FilterRule.Format)]
    [InlineData("<think>a</think><answer>5</answer> Hope this helps!", FilterRule.Format)]
    [InlineData("<think>a</think><think>b</think><answer>5</answer>", FilterRule.Format)]
    [InlineData("<answer>5</answer><think>a</think>", FilterRule.Format)]
    [InlineData("<think>a</think><answer> </answer>", FilterRule.Format)]
    [InlineData("<think> </think><answer>5</answer>", FilterRule.Format)]
    [InlineData("<think>a <answer>4</answer></think><answer>5</answer>", FilterRule.Format)]
    public void MalformedOrCutOffOutputsAreRemovedByTheirRule(string response, FilterRule rule)
    {
        var v = Filter.Check(response, "5");
        Assert.False(v.Kept);
        Assert.Equal(rule, v.FailedRule);
    }

    [Fact]
    public void SentenceLoopsAndPeriodicTailsAreRemovedButOrdinaryRepetitionIsKept()
    {
        var loop = "<think>Let me compute the area. " + string.Concat(Enumerable.Repeat("So the area is 12 square units. ", 5)) + "</think><answer>12</answer>";
        Assert.Equal(FilterRule.Repetition, Filter.Check(loop, "12").FailedRule);
        var tail = "<think>First, 3 times 4 is 12. Then " + string.Concat(Enumerable.Repeat("and then and then ", 12)) + "</think><answer>12</answer>";
        Assert.Equal(FilterRule.Repetition, Filter.Check(tail, "12").FailedRule);
        var fine = "<think>Check side a. Check side b. The sides are 3 and 4, so the area is 6. Wait, it is a right triangle, so the area is 6.</think><answer>6</answer>";
        Assert.True(Filter.Check(fine, "6").Kept);
    }

    [Fact]
    public void AWrongFinalAnswerIsRemovedAndAnEquivalentOneKept()
    {
        Assert.Equal(FilterRule.WrongAnswer, Filter.Check("<think>So it is 6.</think><answer>6</answer>", "5").FailedRule);
        Assert.True(Filter.Check("<think>So it is one half.</think><answer>Final Answer: \\frac{1}{2}</answer>", "0.5").Kept);
    }

    [Fact]
    public void AConclusionThatDisagreesWithTheAnswerIsInconsistent()
    {
        var v = Filter.Check("<think>Adding up gives 7.\n\nTherefore, the answer is 8.</think><answer>7</answer>", "7");
        Assert.Equal(FilterRule.Inconsistent, v.FailedRule);
        Assert.Contains("'8'", v.Reason, StringComparison.Ordinal);
        var boxed = Filter.Check("<think>So x = \\boxed{3}.</think><answer>4</answer>", "4");
        Assert.Equal(FilterRule.Inconsistent, boxed.FailedRule);
        var contradicting = Filter.Check("<think>It is 5.</think><answer>The answer is 4. Final answer: 5</answer>", "5");
        Assert.Equal(FilterRule.Inconsistent, contradicting.FailedRule);
        Assert.True(Filter.Check("<think>Hmm, 2+2.\n\nSo the answer is \\boxed{4}.</think><answer>4</answer>", "4").Kept);
    }

    [Fact]
    public void DisabledRulesDoNotRemove()
    {
        var lenient = new CotFilter(new MathVerifier(), new CotFilterOptions(RequireCorrectAnswer: false, CheckConsistency: false));
        Assert.True(lenient.Check("<think>So the answer is 8.</think><answer>6</answer>", "5").Kept);
    }

    [Theory]
    [InlineData("The description says 3.", "The image says 3.")]
    [InlineData("According to the Description, DESCRIPTION and descriptions.", "According to the Image, IMAGE and images.")]
    [InlineData("The image description shows a cube.", "The image shows a cube.")]
    [InlineData("A descriptive, nondescription word stays.", "A descriptive, nondescription word stays.")]
    public void DescriptionWordsAreReplacedWholeWordAndCasePreserving(string text, string expected)
    {
        var replacer = new WordReplacer(CotFilterOptions.DefaultReplacements);
        Assert.Equal(expected, replacer.Replace(text, out _));
    }

    [Fact]
    public void KeptSamplesCarryTheReplacementAndItsCount()
    {
        var v = Filter.Check("<think>The description gives 3 and 4, so 5.</think><answer>5</answer>", "5");
        Assert.True(v.Kept);
        Assert.Equal(1, v.Replacements);
        Assert.Contains("The image gives", v.Response, StringComparison.Ordinal);
        var custom = new CotFilter(new MathVerifier(), new CotFilterOptions(Replacements: new Dictionary<string, string> { ["caption"] = "picture" }));
        Assert.Contains("The description", custom.Check("<think>The description and caption say 5.</think><answer>5</answer>", "5").Response, StringComparison.Ordinal);
    }

    [Fact]
    public void ReflectiveWordsAreCountedAsWholeWordsPerSample()
    {
        var report = ReflectiveWordCounter.Count(
        [
            "Wait, let me check. Hmm. wait again.",
            "Alternatively, we could checkpoint. No mistake here; Mistakes happen.",
            "Nothing here.",
        ]);
        var byWord = report.Words.ToDictionary(w => w.Word);
        Assert.Equal(3, report.TotalSamples);
        Assert.Equal(2, byWord["Wait"].Occurrences);
        Assert.Equal(1, byWord["Wait"].Samples);
        Assert.Equal(1, byWord["Check"].Occurrences); // "checkpoint" is another word
        Assert.Equal(1, byWord["Mistake"].Occurrences);
        Assert.Equal(1, byWord["Alternatively"].Samples);
        Assert.Equal(1, byWord["Hmm"].Occurrences);
    }

    [Fact]
    public async Task FilteringAFileWritesShareGptSamplesAndAPerRuleReport()
    {
        using var tmp = new TempFolder();
        Directory.CreateDirectory(tmp.File("images"));
        File.WriteAllBytes(tmp.File("images/a.png"), TinyImages.Png);
        var input = tmp.File("cold.jsonl");
        File.WriteAllLines(input,
        [
            """{"id": "ok", "question": "Hypotenuse?", "answer": "5", "images": ["images/a.png"], "response": "<think>The description says 3 and 4. Wait, so 5.</think><answer>5</answer>"}""",
            """{"id": "wrong", "question": "Hypotenuse?", "answer": "5", "images": ["images/a.png"], "response": "<think>So 6.</think><answer>6</answer>"}""",
            """{"id": "cut", "question": "Hypotenuse?", "answer": "5", "images": ["images/a.png"], "response": "<think>The sides"}""",
            """{"id": "broken" """,
        ]);
        var output = tmp.File("sft.jsonl");
        var rejected = tmp.File("rejected.jsonl");

        var report = await CotFilterFiles.FilterAsync(Filter, input, output, rejected);

        Assert.Equal(3, report.Total);
        Assert.Equal(1, report.Kept);
        Assert.Equal(1, report.Removed[FilterRule.WrongAnswer]);
        Assert.Equal(1, report.Removed[FilterRule.Truncated]);
        Assert.Equal(1, report.Unreadable);
        Assert.Equal(1, report.WordsReplaced);
        Assert.Equal(1, report.ReflectiveWords.Words.Single(w => w.Word == "Wait").Occurrences);
        var samples = new List<ChatSample>();
        await foreach (var s in ChatSampleJsonl.ReadAsync(output)) samples.Add(s);
        var sample = Assert.Single(samples);
        Assert.Equal("<image>Hypotenuse?", sample.Prompt);
        Assert.Contains("The image says", sample.Response, StringComparison.Ordinal);
        Assert.Equal(tmp.File("images/a.png"), sample.Images.Single().Path);
        Assert.Equal(2, File.ReadAllLines(rejected).Length);
        Assert.Contains("removed by WrongAnswer", report.ToText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4", "B")]
    [InlineData("B", "4")]
    public void AMultipleChoiceAnswerIsJudgedAgainstTheOptionsOnlyWhenTheProblemHasThem(string gold, string teacher)
    {
        var response = $"<think>The legs are 3 and 4, so the shorter sides differ by one.</think><answer>{teacher}</answer>";
        var withChoices = new MathProblem("mc", [], "Which side is longest?", gold, ["3", "4", "5"], AnswerType.MultipleChoice);

        Assert.True(Filter.Check(response, withChoices).Kept);
        var blind = Filter.Check(response, withChoices with { Choices = null, AnswerType = AnswerType.Text });
        Assert.False(blind.Kept);
        Assert.Equal(FilterRule.WrongAnswer, blind.FailedRule);
    }

    [Fact]
    public async Task ChoicesAndPrecisionTravelFromColdStartThroughTheFilterIntoTheSftSamples()
    {
        using var tmp = new TempFolder();
        var input = tmp.File("cold.jsonl");
        const string think = "<think>Reading the figure, the longest side is the third option.</think>";
        File.WriteAllLines(input,
        [
            // Written by the current construction: the problem's facts are on the line.
            $$$"""{"id": "letter", "images": [], "question": "Longest side?", "answer": "5", "choices": ["3", "4", "5"], "answer_type": "multi_choice", "precision": 1, "metadata": {"source": "t"}, "response": "{{{think}}}<answer>C</answer>"}""",
            $$$"""{"id": "text", "images": [], "question": "Longest side?", "answer": "C", "choices": ["3", "4", "5"], "answer_type": "multi_choice", "response": "{{{think}}}<answer>5</answer>"}""",
            // Written before the records kept choices: still read, judged without options.
            $$$"""{"id": "old", "question": "Longest side?", "answer": "5", "images": [], "response": "{{{think}}}<answer>C</answer>"}""",
        ]);
        var output = tmp.File("sft.jsonl");

        var report = await CotFilterFiles.FilterAsync(Filter, input, output);

        Assert.Equal(3, report.Total);
        Assert.Equal(2, report.Kept);
        Assert.Equal(1, report.Removed[FilterRule.WrongAnswer]);
        var sft = await FilteredSamples.ReadAsync(output);
        Assert.Equal(["letter", "text"], sft.Select(s => s.Problem!.Id).Order());
        var letter = sft.Single(s => s.Problem!.Id == "letter").Problem!;
        Assert.Equal(["3", "4", "5"], letter.Choices!);
        Assert.Equal(AnswerType.MultipleChoice, letter.AnswerType);
        Assert.Equal(1, letter.Precision);
        Assert.Equal("t", letter.Metadata!["source"]);
        Assert.Contains("(C) 5", sft[0].Prompt, StringComparison.Ordinal);
    }
}
