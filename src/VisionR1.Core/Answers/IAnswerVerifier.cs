namespace VisionR1.Answers;

/// <summary>The verdict on one (ground truth, prediction) pair.</summary>
/// <param name="Equal">Whether the prediction's final answer is equivalent to the ground truth.</param>
/// <param name="Extracted">The answer as extracted from the prediction ("" when none was found).</param>
/// <param name="Reason">Why the pair was judged unequal or how it was judged equal (for logs and debugging); null when not recorded.</param>
public sealed record VerificationResult(bool Equal, string Extracted, string? Reason = null);

/// <summary>What is known about the question, when it helps to judge an answer.</summary>
/// <param name="Choices">The options of a multiple-choice question in order (A, B, C, ...), or null.</param>
/// <param name="Precision">Decimal places the ground truth is given to (MathVista's <c>precision</c>), or null.</param>
public sealed record AnswerContext(IReadOnlyList<string>? Choices = null, int? Precision = null)
{
    /// <summary>The answer context of <paramref name="problem"/> (its choices and precision), or null when it has neither.</summary>
    public static AnswerContext? Of(Problems.MathProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var choices = problem.Choices is { Count: > 0 } c ? c : null;
        return choices is null && problem.Precision is null ? null : new AnswerContext(choices, problem.Precision);
    }
}

/// <summary>
/// Decides whether a model's response answers as the ground truth does. Implementations are
/// thread-safe and never throw on any input: an unparsable answer is simply not equal.
/// </summary>
public interface IAnswerVerifier
{
    /// <summary>Extracts the final answer from <paramref name="prediction"/> (a full response or a bare answer) and compares it with <paramref name="gold"/>.</summary>
    VerificationResult Verify(string gold, string prediction, AnswerContext? context = null);
}
