using VisionR1.Problems;

namespace VisionR1.Inputs;

/// <summary>
/// Conversations about a <see cref="MathProblem"/>: one user turn with the problem's images (as unloaded
/// <see cref="ImageRefPart"/>s) then the text, and for supervised data one assistant reply. Resolve the images with
/// <see cref="ImageLoader.Resolve"/> when the batch is built.
/// </summary>
public static class ProblemTurns
{
    /// <summary>The user turn: the images, then <paramref name="text"/> (the problem's <see cref="MathProblem.PromptText"/> when null).</summary>
    public static IReadOnlyList<ChatTurn> User(MathProblem problem, string? text = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var parts = new List<ChatPart>(problem.Images.Count + 1);
        parts.AddRange(problem.Images.Select(i => (ChatPart)new ImageRefPart(i)));
        parts.Add(new TextPart(text ?? problem.PromptText()));
        return [new ChatTurn(ChatTurn.UserRole, parts)];
    }

    /// <summary>The user turn (see <see cref="User"/>) and the assistant's <paramref name="reply"/>: one supervised sample.</summary>
    public static IReadOnlyList<ChatTurn> WithReply(MathProblem problem, string? text, string reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return [.. User(problem, text), ChatTurn.Assistant(reply)];
    }
}
