using VisionR1.Answers;

namespace VisionR1.Tests.Answers;

/// <summary>Inputs built to break a verifier: none may throw, hang, or be called equal by accident.</summary>
public sealed class RobustnessTests
{
    private static readonly MathVerifier Verifier = new();

    public static TheoryData<string, string> HostilePairs()
    {
        var data = new TheoryData<string, string>
        {
            { "", "" },
            { "1", "" },
            { "", "1" },
            { "1", "   " },
            { "\\frac{1}{2", "\\frac{1}{2" },
            { "1", "\\frac{1}{2" },
            { "1", "}}}}{{{{" },
            { "1", "\\boxed{\\boxed{\\boxed{2}}}" },
            { "1", "\\boxed{" },
            { "1", "\\begin{pmatrix} 1 & 2" },
            { "1", "\\sqrt[" },
            { "1", "((((((((" },
            { "1", "))))" },
            { "1", "|||" },
            { "1", "\\left( \\right." },
            { "10^{10^{10}}", "10^{10^{10}} + 1" },
            { "2^{2^{2^{2^{2^{2}}}}}", "1" },
            { "9^{9^{9^{9}}}", "x^{9^{9^{9}}}" },
            { "1", "99999999999999999999999999999999999999999!" },
            { "1", "\\frac{1}{0}" },
            { "0/0", "0/0 + 1" },
            { "1", "\\log 0" },
            { "1", "\u202e\u0000\uffff\ud83d\ude00" },
            { "1", "∑∫∂∇⊗⊕ℵ" },
            { "1", "\\\\\\\\" },
            { "1", "$$$$$$" },
            { "1", "^^^^__" },
            { "1", "\\begin{pmatrix}\\end{pmatrix}" },
            { "1", "\\frac{}{}" },
            { "1", "x = = = 1" },
            { "1", "1e99999" },
            { "1", "0." },
        };
        data.Add("1", new string('(', 5000) + "1" + new string(')', 5000));
        data.Add("1", string.Concat(Enumerable.Repeat("\\frac{", 3000)) + "1");
        data.Add("1", string.Concat(Enumerable.Repeat("\\sqrt{", 2000)) + "2" + new string('}', 2000));
        data.Add("1", string.Concat(Enumerable.Repeat("x^", 5000)) + "2");
        data.Add("1", string.Concat(Enumerable.Repeat("1+", 50_000)) + "1");
        data.Add("1", "\\boxed{" + string.Concat(Enumerable.Repeat("x+", 50_000)) + "1}");
        data.Add(new string('7', 100_000), new string('7', 100_000));
        data.Add(string.Concat(Enumerable.Repeat("\\{", 20_000)), string.Concat(Enumerable.Repeat("(", 20_000)));
        return data;
    }

    [Theory]
    [MemberData(nameof(HostilePairs))]
    public void Hostile_input_never_throws_and_gets_a_verdict_with_a_reason(string gold, string prediction)
    {
        // No wall-clock bar (its verdict would depend on the machine's load): the deterministic step budget bounds the
        // work, and the verifier's speed is measured by `vr1 bench`.
        var r = Verifier.Verify(gold, prediction);
        Assert.NotNull(r);
        Assert.NotNull(r.Extracted);
        Assert.DoesNotContain("internal", r.Reason ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void Unparsable_answer_is_unequal_with_a_reason()
    {
        var r = Verifier.Verify("1", "\\frac{1}{");
        Assert.False(r.Equal);
        Assert.False(string.IsNullOrEmpty(r.Reason));
    }

    [Fact]
    public void Tower_exponents_are_not_equal_to_their_neighbours()
    {
        Assert.False(Verifier.Verify("10^{10^{10}}", "10^{10^{10}}+1").Equal);
        Assert.False(Verifier.Verify("2^{100000}", "2^{100000}+1").Equal);
        Assert.True(Verifier.Verify("10^{10^{10}}", "10^{10^{10}}").Equal);
    }

    [Fact]
    public void Hundred_kilobyte_response_with_a_box_at_the_end_is_read()
    {
        var response = string.Concat(Enumerable.Repeat("We consider the case $x=1$ and more. ", 3000)) + "So \\boxed{42}.";
        Assert.True(response.Length > 100_000);
        var r = Verifier.Verify("42", response);
        Assert.True(r.Equal, r.Reason);
    }

    [Fact]
    public void Exhausted_budget_is_reported_as_unequal_and_is_deterministic()
    {
        var tiny = new MathVerifier(new MathVerifierOptions(MaxSteps: 50));
        var a = tiny.Verify("x^2+2x+1", "(x+1)^2");
        var b = tiny.Verify("x^2+2x+1", "(x+1)^2");
        Assert.False(a.Equal);
        Assert.StartsWith("budget", a.Reason);
        Assert.Equal(a, b);
        Assert.True(new MathVerifier().Verify("x^2+2x+1", "(x+1)^2").Equal);
    }

    [Fact]
    public void Null_arguments_do_not_throw()
    {
        var r = Verifier.Verify(null!, null!, null);
        Assert.False(r.Equal);
        Assert.Equal("", r.Extracted);
    }

    [Fact]
    public void Verifier_is_safe_to_share_across_threads()
    {
        var pairs = new (string Gold, string Pred, bool Expected)[]
        {
            ("x^2+2x+1", "(x+1)^2", true), ("\\frac12", "0.5", true), ("[0,1)", "[0,1]", false), ("B", "(B)", true), ("3", "4", false),
        };
        var failures = 0;
        Parallel.For(0, 4000, i =>
        {
            var (g, p, e) = pairs[i % pairs.Length];
            if (Verifier.Verify(g, p).Equal != e) Interlocked.Increment(ref failures);
        });
        Assert.Equal(0, failures);
    }
}
