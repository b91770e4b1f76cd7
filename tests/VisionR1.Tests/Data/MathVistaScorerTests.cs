using System.Text.Json;
using VisionR1.Data.Benchmarks;
using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Data;

public sealed class MathVistaScorerTests
{
    private static MathVistaVerdict Score(string json) =>
        new MathVistaScorer().ScoreAsync(JsonDocument.Parse(json).RootElement).AsTask().GetAwaiter().GetResult();

    private static string? Prediction(string json) => Score(json).Prediction is { ValueKind: JsonValueKind.String } p ? p.GetString() : null;

    private const string Choices = """["larger than", "equal to", "smaller than"]""";

    [Theory]
    [InlineData("(B)", "equal to")]
    [InlineData("(b) something", "equal to")]
    [InlineData("C", "smaller than")]
    [InlineData(" A ", "larger than")]
    [InlineData("b", "equal to")] // a bare lower-case letter is not an option letter: nearest text by edit distance
    [InlineData("smallr than", "smaller than")]
    [InlineData("smaler", "equal to")] // ties (6 and 6) go to the first option at the minimum
    [InlineData("D", "equal to")] // an out-of-range letter is matched by edit distance like any text
    public void MultipleChoiceExtractionsBecomeOptionText(string extraction, string expected)
    {
        var item = $$"""{"question_type": "multi_choice", "answer_type": "text", "choices": {{Choices}}, "precision": null, "answer": "{{expected}}", "extraction": {{JsonSerializer.Serialize(extraction)}}}""";
        Assert.Equal(expected, Prediction(item));
    }

    [Fact]
    public void NearestOptionTiesGoToTheFirstAndDistanceCountsCodePointsNotUtf16Units()
    {
        // "𝟏𝟐" is two code points (four UTF-16 units): distance to "ab" is 2 by code points, to "abcd" is 4.
        var item = """{"question_type": "multi_choice", "answer_type": "text", "choices": ["abcd", "ab"], "answer": "ab", "extraction": "𝟏𝟐"}""";
        Assert.Equal("ab", Prediction(item));
        var tie = """{"question_type": "multi_choice", "answer_type": "text", "choices": ["xa", "xb"], "answer": "xa", "extraction": "x"}""";
        Assert.Equal("xa", Prediction(tie));
    }

    [Theory]
    [InlineData("\"5.0\"", "5")]
    [InlineData("\"-2.7\"", "-2")] // int() truncates toward zero
    [InlineData("\"1e20\"", "100000000000000000000")]
    [InlineData("\"1e300\"", "1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160")]
    [InlineData("\" 1_000 \"", "1000")]
    [InlineData("\"١٢\"", "12")]
    [InlineData("7", "7")]
    [InlineData("7.9", "7")]
    [InlineData("\"inf\"", null)]
    [InlineData("\"3 cm\"", null)]
    [InlineData("null", null)]
    public void IntegerAnswersAreStrOfIntOfFloat(string extraction, string? expected)
    {
        var item = $$"""{"question_type": "free_form", "answer_type": "integer", "choices": null, "precision": null, "answer": "7", "extraction": {{extraction}}}""";
        Assert.Equal(expected, Prediction(item));
    }

    [Theory]
    [InlineData("2.675", "2", "2.67")] // 2.675 is 2.67499999... in binary
    [InlineData("0.125", "2", "0.12")] // an exact tie rounds to even
    [InlineData("0.375", "2", "0.38")]
    [InlineData("2.5", "0", "2.0")]
    [InlineData("3.5", "0", "4.0")]
    [InlineData("1.23", "1.0", "1.2")] // a float precision is truncated by int()
    [InlineData("1234.5", "-2", "1200.0")]
    [InlineData("0.00001", "6", "1e-05")]
    [InlineData("100", "1", "100.0")]
    [InlineData("1e16", "1", "1e+16")]
    [InlineData("123456789012345.6", "1", "123456789012345.6")]
    [InlineData("-0.04", "1", "-0.0")]
    [InlineData("0.1", "20", "0.1")]
    public void FloatAnswersAreRoundedLikePythonAndWrittenLikeRepr(string extraction, string precision, string expected)
    {
        var item = $$"""{"question_type": "free_form", "answer_type": "float", "choices": null, "precision": {{precision}}, "answer": "{{expected}}", "extraction": "{{extraction}}"}""";
        var verdict = Score(item);
        Assert.Equal(expected, verdict.Prediction!.Value.GetString());
        Assert.True(verdict.TrueFalse);
    }

    [Fact]
    public void FloatWithoutPrecisionOrUnparsableTextPredictsNone()
    {
        Assert.Null(Score("""{"question_type": "free_form", "answer_type": "float", "precision": null, "answer": "1.5", "extraction": "1.5"}""").Prediction);
        Assert.Null(Score("""{"question_type": "free_form", "answer_type": "float", "precision": 1, "answer": "1.5", "extraction": "1,5"}""").Prediction);
        Assert.False(Score("""{"question_type": "free_form", "answer_type": "float", "precision": 1, "answer": "1.5", "extraction": "1,5"}""").TrueFalse);
    }

    [Theory]
    [InlineData("[1, 2]", "[1, 2]")]
    [InlineData("\"[1, 2]\"", "[1, 2]")]
    [InlineData("[1.0, \"it's\", null, true]", "[1.0, \"it's\", None, True]")]
    [InlineData("[\"a\", \"b\"]", "['a', 'b']")]
    [InlineData("1e-5", "1e-05")]
    public void ListAnswersAreStrOfTheValue(string extraction, string expected)
    {
        var item = $$"""{"question_type": "free_form", "answer_type": "list", "choices": null, "precision": null, "answer": "[1, 2]", "extraction": {{extraction}}}""";
        Assert.Equal(expected, Prediction(item));
    }

    [Fact]
    public void ComparisonIsExactStringEquality()
    {
        Assert.False(Score("""{"question_type": "free_form", "answer_type": "integer", "answer": "07", "extraction": "7"}""").TrueFalse);
        Assert.False(Score("""{"question_type": "free_form", "answer_type": "integer", "answer": 7, "extraction": "7"}""").TrueFalse); // a number answer never equals a string
        Assert.True(Score("""{"question_type": "free_form", "answer_type": "integer", "answer": "7", "extraction": "7.0"}""").TrueFalse);
    }

    [Theory]
    [InlineData("integer", "null", "<think>2+2</think><answer>4</answer>", "4")]
    [InlineData("integer", "null", "So the total is \\boxed{12} apples.", "12")]
    [InlineData("float", "1", "The answer is \"3.14\".", "3.1")]
    [InlineData("float", "2", "Therefore the answer is 2.50 cm.", "2.5")]
    [InlineData("integer", "null", "We count 3 red and 5 blue, 8 in all", "8")]
    [InlineData("integer", "null", "There are two sequences with negative scores, out of 5.", "2")]
    [InlineData("integer", "null", "The greatest count is **8**, seen 18 times.", "8")]
    public void ResponsesWithoutExtractionAreExtractedByRules(string answerType, string precision, string response, string expected)
    {
        var item = $$"""{"question_type": "free_form", "answer_type": "{{answerType}}", "precision": {{precision}}, "answer": "{{expected}}", "response": {{JsonSerializer.Serialize(response)}}}""";
        var v = Score(item);
        Assert.Equal(expected, v.Prediction!.Value.GetString());
        Assert.True(v.TrueFalse);
    }

    [Theory]
    [InlineData("<answer>(C)</answer>", "smaller than")]
    [InlineData("The correct option is B.", "equal to")]
    [InlineData("equal to", "equal to")]
    [InlineData("Looking at the plot... so the answer is A", "larger than")]
    [InlineData("At x=2 the slope is smaller than at x=5.", "smaller than")]
    public void MultipleChoiceResponsesAreExtractedToALetterOrOption(string response, string expected)
    {
        var item = $$"""{"question_type": "multi_choice", "answer_type": "text", "choices": {{Choices}}, "answer": "{{expected}}", "response": {{JsonSerializer.Serialize(response)}}}""";
        Assert.Equal(expected, Prediction(item));
    }

    [Fact]
    public async Task ScoreCommandWritesPredictionAndTrueFalseAndEndsWithAccuracy()
    {
        using var tmp = new TempFolder();
        var input = tmp.File("items.jsonl");
        File.WriteAllLines(input,
        [
            """{"pid": "1", "question_type": "free_form", "answer_type": "float", "choices": null, "precision": 1, "unit": null, "answer": "1.2", "extraction": "1.23", "metadata": {"source": "SciBench", "skills": ["algebraic reasoning"]}}""",
            """{"pid": "2", "question_type": "multi_choice", "answer_type": "text", "choices": ["3", "4"], "precision": null, "unit": null, "answer": "4", "extraction": "A", "metadata": {"source": "Geo", "skills": ["geometry reasoning", "algebraic reasoning"]}}""",
            """{"pid": "3", "question_type": "free_form", "answer_type": "integer", "choices": null, "precision": null, "unit": null, "answer": "10", "response": "<answer>10</answer>", "metadata": {"source": "Geo"}}""",
        ]);
        var output = tmp.File("scored.jsonl");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = await CommandLine.RunAsync(["score", "mathvista", "--input", input, "--output", output], stdout, stderr, CancellationToken.None);

        Assert.Equal(0, code);
        var lines = stdout.ToString().TrimEnd().Split('\n');
        Assert.Equal("accuracy: 0.6666666666666666", lines[^1].TrimEnd('\r'));
        Assert.Contains(lines, l => l.Contains("algebraic reasoning", StringComparison.Ordinal) && l.Contains("(1/2,", StringComparison.Ordinal));
        var scored = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("1.2", scored[0].GetProperty("prediction").GetString());
        Assert.True(scored[0].GetProperty("true_false").GetBoolean());
        Assert.Equal("3", scored[1].GetProperty("prediction").GetString());
        Assert.False(scored[1].GetProperty("true_false").GetBoolean());
        Assert.Equal("SciBench", scored[0].GetProperty("metadata").GetProperty("source").GetString());
    }

    [Fact]
    public async Task ScoreCommandNamesTheLineOfABadItem()
    {
        using var tmp = new TempFolder();
        var input = tmp.File("bad.jsonl");
        File.WriteAllLines(input, ["""{"pid": "1", "question_type": "free_form", "answer_type": "integer", "answer": "1", "extraction": "1"}""", """{"pid": "2", "answer": "1"}"""]);
        var stderr = new StringWriter();

        int code = await CommandLine.RunAsync(["score", "mathvista", "--input", input], new StringWriter(), stderr, CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Contains("bad.jsonl:2", stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Based on the image, Periwinkle is not the maximum.", "No")]
    [InlineData("Yes. The bus is in front.", "Yes")]
    [InlineData("The answer is **(B) No**.", "No")]
    [InlineData("The red bar is the highest.", "Yes")]
    public void YesNoQuestionsAreReadFromTheResponse(string response, string expected)
    {
        var item = $$"""{"question_type": "multi_choice", "answer_type": "text", "choices": ["Yes", "No"], "answer": "{{expected}}", "response": {{JsonSerializer.Serialize(response)}}}""";
        Assert.Equal(expected, Prediction(item));
    }
}

public sealed class PythonJsonTests
{
    [Fact]
    public async Task LinesWithPythonNaNLiteralsAreScoredAsIfTheValueWereNone()
    {
        using var tmp = new TempFolder();
        var input = tmp.File("nan.jsonl");
        File.WriteAllLines(input,
        [
            """{"pid": "1", "question_type": "free_form", "answer_type": "integer", "choices": null, "precision": NaN, "answer": "3", "extraction": "3", "note": "NaN inside a string stays"}""",
            """{"pid": "2", "question_type": "free_form", "answer_type": "float", "choices": null, "precision": NaN, "answer": "1.5", "extraction": "1.5"}""",
        ]);

        var report = await new MathVistaScorer().ScoreFileAsync(input, tmp.File("out.jsonl"));

        Assert.Equal(1, report.Overall.Correct);
        Assert.Contains("NaN inside a string stays", File.ReadAllText(tmp.File("out.jsonl")), StringComparison.Ordinal);
    }
}

public sealed class MathVistaFileLayoutTests
{
    [Fact]
    public async Task AnOfficialOutputJsonKeyedByPidIsScoredLikeJsonLines()
    {
        using var tmp = new TempFolder();
        var input = tmp.File("output_model.json");
        File.WriteAllText(input, """
            {
                "1": {"question_type": "free_form", "answer_type": "integer", "choices": null, "precision": null, "answer": "4", "extraction": "4.0"},
                "2": {"question_type": "multi_choice", "answer_type": "text", "choices": ["a", "b"], "precision": null, "answer": "b", "extraction": "(A)"}
            }
            """);

        var report = await new MathVistaScorer().ScoreFileAsync(input, tmp.File("scored.jsonl"));

        Assert.Equal(1, report.Overall.Correct);
        Assert.Equal(2, report.Overall.Total);
        var lines = File.ReadAllLines(tmp.File("scored.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["1", "2"], lines.Select(l => l.GetProperty("pid").GetString()));
        Assert.Equal("a", lines[1].GetProperty("prediction").GetString());
    }
}
