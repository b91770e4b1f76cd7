using VisionR1.Answers;
using VisionR1.Answers.Math;
using VisionR1.Data.Benchmarks;

namespace VisionR1.Tests.Data;

public sealed class BenchmarkScorerTests
{
    [Fact]
    public void WilsonIntervalMatchesTheClosedForm()
    {
        var e = AccuracyEstimate.FromCounts(735, 1000);
        Assert.Equal(0.735, e.Accuracy, 12);
        // z = 1.959964; center = (p + z²/2n)/(1+z²/n); half = z/(1+z²/n)·sqrt(p(1-p)/n + z²/4n²)
        Assert.Equal(0.70677, e.Lower, 4);
        Assert.Equal(0.76137, e.Upper, 4);
        var none = AccuracyEstimate.FromCounts(0, 10);
        Assert.Equal(0, none.Lower, 12);
        Assert.True(none.Upper is > 0.2 and < 0.35);
    }

    [Theory]
    [InlineData(735, 1000)]
    [InlineData(0, 10)]
    [InlineData(7, 7)]
    [InlineData(0, 0)]
    public void One_wilson_interval_serves_the_benchmark_reports(int correct, int total)
    {
        var (lower, upper) = WilsonInterval.Of(correct, total);
        var estimate = AccuracyEstimate.FromCounts(correct, total);
        Assert.Equal(lower, estimate.Lower, 14);
        Assert.Equal(upper, estimate.Upper, 14);
    }

    [Fact]
    public void Wilson_interval_of_none_in_ten_is_the_textbook_value()
    {
        var (lower, upper) = WilsonInterval.Of(0, 10);
        Assert.Equal(0, lower);
        Assert.Equal(0.2775, upper, 4);
    }

    [Theory]
    [InlineData("x = 2y + 1", "2y+1")]
    [InlineData("3 \\cdot 4", "3*4")]
    [InlineData("\\left( 1, 2 \\right)", "(1,2)")]
    [InlineData("\\dfrac{1}{2}", "\\frac{1}{2}")]
    public void Compact_form_is_the_verifier_normalisation_without_spaces(string answer, string expected) =>
        Assert.Equal(expected, LatexNormalizer.Compact(answer));

    [Theory]
    [InlineData("\\boxed{5}", "so \\boxed{5.004}", true)] // within 1e-2
    [InlineData("\\boxed{5}", "so \\boxed{5.1}", false)]
    [InlineData("\\boxed{25}", "\\boxed{0.25}", true)] // gt/100
    [InlineData("\\boxed{0.3}", "\\boxed{30}", true)] // gt×100
    [InlineData("\\boxed{2 \\pm \\sqrt{3}}", "\\boxed{2-\\sqrt{3}, 2+\\sqrt{3}}", true)]
    [InlineData("\\boxed{1, 2}", "\\boxed{2; 1}", true)] // unordered
    [InlineData("\\boxed{1, 2}", "\\boxed{1, 1}", false)]
    [InlineData("\\boxed{\\frac{1}{2}}", "x = \\boxed{\\dfrac{1}{2}}", true)]
    [InlineData("\\boxed{x=3}", "\\boxed{3}", true)]
    [InlineData("\\boxed{(1,2)}", "\\boxed{(1, 2)}", true)] // a tuple is not split
    [InlineData("\\boxed{3}", "the answer is 3", false)] // MM-Math needs a boxed answer
    [InlineData("\\boxed{1,000}", "\\boxed{1000}", true)]
    public void MmMathRules(string gold, string response, bool expected) =>
        Assert.Equal(expected, new MmMathScorer().IsCorrect(gold, response));

    [Theory]
    [InlineData("B", "(B)", true, true)]
    [InlineData("B", "option b", true, true)]
    [InlineData("B", "C", true, false)]
    [InlineData("2\\sqrt{3}", "$2\\sqrt{3}$.", false, true)]
    [InlineData("2\\sqrt{3}", "3.46", false, false)]
    public void MathVerseQuickMatch(string gold, string extraction, bool multi, bool expected) =>
        Assert.Equal(expected, MathVerseScorer.QuickMatch(gold, extraction, multi));

    [Fact]
    public void DynaMathReportsAverageAndWorstCaseOverSeeds()
    {
        var items = new List<DynaMathItem>
        {
            new("s1", "float", "1.5", "<answer>1.5004</answer>"),
            new("s1", "float", "2.5", "<answer>2.5</answer>"),
            new("s2", "float", "3.0", "<answer>3.01</answer>"), // outside 1e-3
            new("s2", "float", "4.0", "<answer>4</answer>"),
            new("s3", "multiple choice", "C", "The answer is C."),
            new("s3", "multiple choice", "C", "<answer>(C)</answer>"),
            new("s4", "free form", "triangle", "<answer>a right Triangle</answer>"),
        };
        var report = new DynaMathScorer().Score(items);
        Assert.Equal(6, report.Average.Overall.Correct);
        Assert.Equal(7, report.Average.Overall.Total);
        Assert.Equal(3, report.WorstCase.Correct);
        Assert.Equal(4, report.WorstCase.Total);
        Assert.Equal(1, report.Average.Breakdown["answer_type"]["float"].Total - report.Average.Breakdown["answer_type"]["float"].Correct);
    }
}
