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
    [InlineData("19, 46, and 82", @"19, 46, \text{ and } 82", true)]
    [InlineData("19, 46, and 82", "21, 36, and 82", false)]
    [InlineData("n=1, 2, 3", "n=1, 2, 3", true)]
    [InlineData("n=2, 3, 4", "n=1, 2, 3", false)]
    [InlineData("D = (0, 1)", "D = (0, 1.5)", false)]
    [InlineData(@"\pm 2021", "2021", false)]
    [InlineData(@"\pm 2021", "{-2021, 2021}", true)]
    [InlineData("12:00", "1:00", false)]
    [InlineData(@"\frac{1}{2004!}", @"\frac{1}{2006!}", false)]
    [InlineData(@"\frac{1}{2^{99}}", @"\frac{1}{2^{98}}", false)]
    [InlineData(@"1 - \frac{1}{\mathrm{e}}", @"1 + \frac{1}{\mathrm{e}}", false)]
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
    [InlineData("3", "Final Answer: Jane started growing Sphere 3 hours ago. I hope it is correct.", true)]
    [InlineData("34", "Final Answer: The largest $n$ is 34.", true)]
    [InlineData("19", "Final Answer: The maximum number of points in the domain of $f(x)$ is 19. <|im_start|>user", true)]
    [InlineData("-2, 1", "The integers are \\boxed{-2} and \\boxed{1}.", true)]
    [InlineData("20", "$$\\frac{1}{5}=\\boxed{20 \\%}. $$ Final Answer: The final answer is $20 \\%$. I hope it is correct.", true)]
    [InlineData("(\\tfrac{27}{8},\\tfrac{15}{8})", "Therefore the point is $\\boxed{(0, 0)}$.", false)]
    [InlineData("16386.17", "worth $\\boxed{\\$16386.17}$ after 5 years.", true)]
    [InlineData("2/3", "P(A) = 2/3 Therefore, the probability that Alice wins the game is 2/3. <|im_start|>user", true)]
    [InlineData("12000023", "Final Answer: The final answer is 12,000,023. I hope it is correct.", true)]
    [InlineData("[0,1)", "Final Answer: The final answer is $(0, 1)$. I hope it is correct.", false)]
    public void Full_responses_are_judged_by_their_final_answer(string gold, string response, bool expected)
    {
        var r = Verifier.Verify(gold, response);
        Assert.True(r.Equal == expected, $"{gold} vs [{response}]: expected {expected}, got {r.Equal} (extracted [{r.Extracted}], {r.Reason})");
    }
}
