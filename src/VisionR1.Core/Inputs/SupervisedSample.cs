using VisionR1.Problems;

namespace VisionR1.Inputs;

/// <summary>
/// One supervised conversation about a problem: the user's text (after the problem's images) and the assistant's
/// reply, the training target. What cold-start SFT trains on; the problem keeps its images as references.
/// </summary>
/// <param name="Problem">The problem whose images the user turn shows.</param>
/// <param name="Prompt">The user's text.</param>
/// <param name="Response">The assistant's reply.</param>
public sealed record SupervisedSample(MathProblem Problem, string Prompt, string Response)
{
    /// <summary>The conversation: one user turn (images by reference, then <see cref="Prompt"/>) and the reply.</summary>
    public IReadOnlyList<ChatTurn> Conversation() => ProblemTurns.WithReply(Problem, Prompt, Response);
}
