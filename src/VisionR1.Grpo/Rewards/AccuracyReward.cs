using VisionR1.Answers;

namespace VisionR1.Grpo.Rewards;

/// <summary>
/// 1 when the answer in the completion (the content of its answer tag, else the whole completion) is
/// equivalent to the ground truth, else 0. The verifier extracts "Final Answer: X", <c>\boxed{X}</c>,
/// "the answer is X" or a bare X from that text. The problem's <see cref="Problems.MathProblem.Choices"/> and
/// <see cref="Problems.MathProblem.Precision"/> are passed on as the <see cref="AnswerContext"/>. Component: <c>accuracy</c>.
/// </summary>
public sealed class AccuracyReward(IAnswerVerifier? verifier = null, ThinkAnswerFormat? format = null) : PerItemReward
{
    /// <summary>The verifier used.</summary>
    public IAnswerVerifier Verifier { get; } = verifier ?? new MathVerifier();

    /// <summary>The layout whose answer tag is read.</summary>
    public ThinkAnswerFormat Format { get; } = format ?? new ThinkAnswerFormat();

    /// <inheritdoc />
    public override string Name => "accuracy";

    /// <inheritdoc />
    protected override RewardOutput ScoreOne(RewardInput input, int index)
    {
        bool correct = IsCorrect(input);
        double s = correct ? 1 : 0;
        return new RewardOutput(s, new Dictionary<string, double> { ["accuracy"] = s }) { Correct = correct };
    }

    /// <summary>Whether the completion's answer matches the ground truth.</summary>
    public bool IsCorrect(RewardInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var answer = Format.AnswerText(input.Completion);
        return Verifier.Verify(input.GroundTruth, answer, ContextOf(input.Problem)).Equal;
    }

    /// <summary>The answer context of a problem (its choices and precision), or null when it has neither.</summary>
    public static AnswerContext? ContextOf(Problems.MathProblem problem) => AnswerContext.Of(problem);
}
