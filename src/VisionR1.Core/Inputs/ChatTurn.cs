namespace VisionR1.Inputs;

/// <summary>One message of a conversation: a role (system, user, assistant, …) and its content parts in order.</summary>
/// <param name="Role">The role name written after <c>&lt;|im_start|&gt;</c>.</param>
/// <param name="Parts">Text and images, interleaved as they should appear.</param>
public sealed record ChatTurn(string Role, IReadOnlyList<ChatPart> Parts)
{
    /// <summary>The turn's text: its text parts joined in order (images left out).</summary>
    public string Text => string.Concat(Parts.OfType<TextPart>().Select(p => p.Text));

    /// <summary>The system role name.</summary>
    public const string SystemRole = "system";

    /// <summary>The user role name.</summary>
    public const string UserRole = "user";

    /// <summary>The assistant role name; its content is what SFT labels keep.</summary>
    public const string AssistantRole = "assistant";

    /// <summary>A system message.</summary>
    public static ChatTurn System(string text) => new(SystemRole, [new TextPart(text)]);

    /// <summary>A user message of text and images in the given order.</summary>
    public static ChatTurn User(params ChatPart[] parts) => new(UserRole, parts);

    /// <summary>A text-only user message.</summary>
    public static ChatTurn User(string text) => new(UserRole, [new TextPart(text)]);

    /// <summary>An assistant message.</summary>
    public static ChatTurn Assistant(string text) => new(AssistantRole, [new TextPart(text)]);
}
