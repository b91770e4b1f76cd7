using VisionR1.Problems;

namespace VisionR1.Data.Records;

/// <summary>The speaker of a chat turn, as ShareGPT-style data sets name them.</summary>
public enum TurnRole
{
    /// <summary>A system prompt ("system").</summary>
    System,
    /// <summary>The user ("user" / "human").</summary>
    User,
    /// <summary>The model ("assistant" / "gpt").</summary>
    Assistant,
}

/// <summary>One turn of a chat sample.</summary>
/// <param name="Role">Who speaks.</param>
/// <param name="Content">The text; an image is marked by <see cref="ChatSample.ImageToken"/> where it appears.</param>
public sealed record ChatTurn(TurnRole Role, string Content);

/// <summary>
/// A supervised chat sample in the ShareGPT layout Vision-R1-cold is published in:
/// <c>{"id", "conversations": [{"from": "human", "value": "&lt;image&gt;..."}, {"from": "gpt", "value": "&lt;think&gt;...&lt;/think&gt;&lt;answer&gt;...&lt;/answer&gt;"}], "images": [...]}</c>
/// (the OpenAI-style <c>messages</c>/<c>role</c>/<c>content</c> spelling is read as well).
/// </summary>
/// <param name="Id">A stable identifier.</param>
/// <param name="Turns">The conversation in order.</param>
/// <param name="Images">The images, in the order of the image tokens.</param>
public sealed record ChatSample(string Id, IReadOnlyList<ChatTurn> Turns, IReadOnlyList<ImageRef> Images)
{
    /// <summary>The placeholder that marks an image in a turn (LLaMA-Factory's convention).</summary>
    public const string ImageToken = "<image>";

    /// <summary>The first user turn's text, or "".</summary>
    public string Prompt => Turns.FirstOrDefault(t => t.Role == TurnRole.User)?.Content ?? "";

    /// <summary>The last assistant turn's text, or "".</summary>
    public string Response => Turns.LastOrDefault(t => t.Role == TurnRole.Assistant)?.Content ?? "";
}
