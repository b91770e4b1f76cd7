using VisionR1.Answers;

namespace VisionR1.Tests.Answers;

/// <summary>Answer forms seen in model output: words for numbers, leading signs, spelled-out lists, sentences after "Final Answer".</summary>
public sealed class AnswerFormsTests
{
    private static readonly MathVerifier Verifier = new();

    [Theory]
    [InlineData("4", "four", true)]
    [InlineData("4", "five", false)]
    [InlineData("12", "twelve", true)]
    [InlineData("3.14", @"\approx 3.14", true)]
    [InlineData("5", "= 5", true)]
    [InlineData(@"(-\infty,-1)\cup(1,\infty)", "x<-1 or x>1", true)]
    [InlineData(@"(-\infty,-1)\cup(1,\infty)", "x<-1 or x>2", false)]
    [InlineData(@"x>2", @"(2,\infty)", true)]
    [InlineData(@"x>2", @"[2,\infty)", false)]
    [InlineData("8, 27, and 64", @"8, 27, \text{ and } 64", true)]
    [InlineData("8, 27, and 64", "9, 27, and 64", false)]
    [InlineData("k=2, 4, 6", "k=2,4,6", true)]
    [InlineData("k=2, 4, 6", "k=2, 4, 8", false)]
    [InlineData("P = (2, 3)", "P = (2, 3.5)", false)]
    [InlineData(@"\pm 17", "17", false)]
    [InlineData(@"\pm 17", "{17, -17}", true)]
    [InlineData("9:30", "9:45", false)]
    [InlineData(@"\frac{1}{1500!}", @"\frac{1}{1501!}", false)]
    [InlineData(@"\frac{1}{3^{80}}", @"\frac{1}{3^{81}}", false)]
    [InlineData(@"2 - \frac{1}{\mathrm{e}^2}", @"2 + \frac{1}{\mathrm{e}^2}", false)]
    [InlineData("a = 2, b = 3", "(2, 3)", true)]
    [InlineData("x=2 or x=3", "3, 2", true)]
    [InlineData("f(x) = x^2", "x^2", true)]
    [InlineData("y=-2x+4", "2x+y=4", true)]
    [InlineData("y=-2x+4", "2x+y=5", false)]
    [InlineData(@"\angle A = 30^\circ", "30", true)]
    [InlineData(@"\{2, 3\}", @"\{2, 3, 3\}", true)]
    [InlineData("3", "3 people", true)]
    public void Forms_compare_by_meaning(string gold, string prediction, bool expected)
    {
        var r = Verifier.Verify(gold, prediction);
        Assert.True(r.Equal == expected, $"{gold} vs {prediction}: expected {expected}, got {r.Equal} ({r.Reason})");
    }

    [Theory]
    [InlineData("7", "Final Answer: Tom planted the seeds 7 days earlier. I hope it is correct.", true)]
    [InlineData("58", "Final Answer: The smallest $k$ is 58.", true)]
    [InlineData("23", "Final Answer: The number of lattice points inside $R$ is 23. <|im_start|>user", true)]
    [InlineData("-3, 5", "So the roots are \\boxed{-3} and \\boxed{5}.", true)]
    [InlineData("40", "$$\\frac{2}{5}=\\boxed{40 \\%}. $$ Final Answer: The final answer is $40 \\%$. I hope it is correct.", true)]
    [InlineData("(\\tfrac{9}{4},\\tfrac{5}{4})", "Hence the centre is $\\boxed{(0, 0)}$.", false)]
    [InlineData("1276.28", "the account holds $\\boxed{\\$1276.28}$ after 5 years.", true)]
    [InlineData("3/8", "P(B) = 3/8 so the chance that Bob draws red first is 3/8. <|im_start|>user", true)]
    [InlineData("4500017", "Final Answer: The final answer is 4,500,017. I hope it is correct.", true)]
    [InlineData("[2,5)", "Final Answer: The final answer is $(2, 5)$. I hope it is correct.", false)]
    public void Full_responses_are_judged_by_their_final_answer(string gold, string response, bool expected)
    {
        var r = Verifier.Verify(gold, response);
        Assert.True(r.Equal == expected, $"{gold} vs [{response}]: expected {expected}, got {r.Equal} (extracted [{r.Extracted}], {r.Reason})");
    }
}
