using VisionR1.Answers;

namespace VisionR1.Tests.Answers;

/// <summary>
/// The answer forms of issue 16 that real models write: decimal approximations of exact values (the
/// <see cref="DecimalApproximation"/> rule), a Unicode minus, units with exponents inside the answer tag,
/// solution sets in prose, nested-bracket matrices, decimal commas and thousands separators, equations naming
/// the quantity, several boxes and an option letter inside a sentence.
/// </summary>
public sealed class RealAnswerFormsTests
{
    private static readonly MathVerifier Verifier = new();

    [Theory]
    // a decimal is the exact value rounded to its own places, with at least two significant digits
    [InlineData(@"\frac{1}{3}", "0.3333", true)]
    [InlineData(@"\frac{1}{3}", "0.333", true)]
    [InlineData(@"\frac{1}{3}", "0.33", true)]
    [InlineData(@"\frac{1}{3}", "0.3", false)]
    [InlineData(@"\frac{1}{3}", "0.334", false)]
    [InlineData(@"\frac{2}{3}", "0.667", true)]
    [InlineData(@"\frac{2}{3}", "0.666", false)]
    [InlineData(@"-\frac{2}{3}", "-0.6667", true)]
    [InlineData(@"\sqrt{2}", "1.414", true)]
    [InlineData(@"\sqrt{2}", "1.42", false)]
    [InlineData(@"2\pi", "6.283", true)]
    [InlineData(@"2\pi", "6.29", false)]
    [InlineData(@"\frac{\sqrt{3}}{2}", "0.866", true)]
    [InlineData(@"\left(\frac{1}{3}, \sqrt{2}\right)", "(0.333, 1.414)", true)]
    [InlineData(@"\left(\frac{1}{3}, \sqrt{2}\right)", "(0.333, 1.424)", false)]
    [InlineData(@"(\frac{3}{5},\frac{8}{3}]", "(0.6,2.6667]", true)]
    [InlineData("0.33", @"\frac{1}{3}", true)]
    // Unicode minus (U+2212)
    [InlineData("-3", "\u22123", true)]
    [InlineData("-3", "<think>so</think><answer>\u22123</answer>", true)]
    [InlineData("-3", "The answer is \u22123.", true)]
    [InlineData(@"-\frac{1}{2}", "\u22121/2", true)]
    [InlineData("3", "\u22123", false)]
    // units and exponents inside <answer>
    [InlineData("12", "<think>area</think><answer>12 cm$^2$</answer>", true)]
    [InlineData("12", @"<think>area</think><answer>12 \text{cm}^2</answer>", true)]
    [InlineData("12", "<think>area</think><answer>12 cm\u00b2</answer>", true)]
    [InlineData("12", @"<think>volume</think><answer>$12\,\mathrm{m}^3$</answer>", true)]
    [InlineData("2", "<think>area</think><answer>12 cm$^2$</answer>", false)]
    // solution sets in prose against a list
    [InlineData("2, 3", "x = 2 and x = 3", true)]
    [InlineData(@"\{2, 3\}", "x = 3 or x = 2", true)]
    [InlineData("2, 3", "x = 2 and x = 4", false)]
    [InlineData("(1, 2), (3, 4)", "x=1, y=2; x=3, y=4", true)]
    [InlineData("x = 2, y = 3", "y = 3, x = 2", true)]
    // nested brackets against pmatrix
    [InlineData(@"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", "[[1, 2], [3, 4]]", true)]
    [InlineData(@"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", "[[1, 2], [3, 5]]", false)]
    [InlineData(@"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", "[[1], [2]]", true)]
    // decimal commas and thousands separators, with units
    [InlineData("1000.99", "1000,99", true)]
    [InlineData("0,111", "0.111", true)]
    [InlineData("7425000", "7,425,000", true)]
    [InlineData("1000.99", "so the number is 10 which is 1,000.99m\u00b2", true)]
    [InlineData("2.74", "Soucis : 2,74 $ a..", true)]
    [InlineData("1000.99", "1000,98", false)]
    [InlineData(@"\{1, 22\}", "1, 22", true)]
    // an equation naming the quantity against the bare value
    [InlineData("|AB| = 1", "1", true)]
    [InlineData("|AB| = 1", "2", false)]
    [InlineData("V_1:V_2 = 11:21", "11:21", true)]
    [InlineData(@"\frac{NO}{BO}=\frac{1}{\sqrt{6}}", @"\frac{1}{\sqrt{6}}", true)]
    // intervals against inequalities
    [InlineData("(0, 1)", "0 < f(x) < 1", true)]
    [InlineData(@"-2 \le x \le 7", @"x \in [-2,7]", true)]
    [InlineData(@"-2 \le x \le 7", @"x \in (-2,7]", false)]
    public void Forms_compare_by_meaning(string gold, string prediction, bool expected)
    {
        var r = Verifier.Verify(gold, prediction);
        Assert.True(r.Equal == expected, $"gold '{gold}' vs '{prediction}': expected {expected}, got {r.Equal} (extracted '{r.Extracted}', {r.Reason})");
    }

    [Theory]
    [InlineData("(3, 3), (1, 1)", @"$$\boxed{(3, 3)} \text{ for part (a) and } \boxed{(1, 1)}$$", true)]
    [InlineData("2", @"first \boxed{1} then \boxed{2}", true)]
    [InlineData("1, 2", @"\boxed{1} and many more words written in between them \boxed{2}", false)]
    [InlineData(@"\boxed{1} papers and \boxed{2} bins", @"\boxed{1,2}", true)]
    [InlineData(@"\boxed{1} no no no no no \boxed{2}", @"\boxed{1,2}", false)]
    [InlineData("10455", @"so \boxed{255} is the interest. Final Answer: The final answer is $10,455$. I hope it is correct.", true)]
    public void Several_boxes_answer_together_when_close(string gold, string prediction, bool expected)
    {
        var r = Verifier.Verify(gold, prediction);
        Assert.True(r.Equal == expected, $"gold '{gold}' vs '{prediction}': expected {expected}, got {r.Equal} (extracted '{r.Extracted}', {r.Reason})");
    }

    [Theory]
    [InlineData("B", "Because B is valid", true)]
    [InlineData("C", "I think C is right", true)]
    [InlineData("B", "A cat is not C", false)]
    [InlineData("B", "Both B and C work", false)]
    public void An_option_letter_inside_a_sentence_is_read(string gold, string prediction, bool expected)
    {
        var r = Verifier.Verify(gold, prediction);
        Assert.True(r.Equal == expected, $"gold '{gold}' vs '{prediction}': expected {expected}, got {r.Equal} (extracted '{r.Extracted}', {r.Reason})");
    }

    [Theory]
    [InlineData("Answer $ \n 9 \n $")]
    [InlineData("Answer \\( \n 9 \n \\)")]
    public void A_number_inside_broken_inline_maths_is_not_an_answer(string prediction) =>
        Assert.False(Verifier.Verify("$9$", prediction).Equal);

    [Theory]
    [InlineData(0.3333, 4, 1.0 / 3, true)]
    [InlineData(0.33, 2, 1.0 / 3, true)]
    [InlineData(0.3, 1, 1.0 / 3, false)]
    [InlineData(0.334, 3, 1.0 / 3, false)]
    [InlineData(3.14, 2, System.Math.PI, true)]
    [InlineData(3.15, 2, System.Math.PI, false)]
    [InlineData(0.0, 1, 0.01, false)]
    public void The_decimal_rule_is_rounding_to_the_written_places(double written, int places, double exact, bool expected) =>
        Assert.Equal(expected, DecimalApproximation.IsRoundingOf(written, places, exact));
}
