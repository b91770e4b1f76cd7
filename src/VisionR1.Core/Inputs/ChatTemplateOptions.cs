namespace VisionR1.Inputs;

/// <summary>Settings of the Qwen2.5-VL chat template.</summary>
/// <param name="DefaultSystemMessage">
/// The system message inserted when the first turn is not a system turn ("You are a helpful
/// assistant.", from the released <c>chat_template.json</c>). Null omits the system turn entirely:
/// Vision-R1's GRPO runs with no system prompt (see <see cref="NoSystemPrompt"/>).
/// </param>
/// <param name="AddVisionId">Write "Picture n: " before each image (the template's <c>add_vision_id</c>; off by default).</param>
public sealed record ChatTemplateOptions(string? DefaultSystemMessage = ChatTemplateOptions.QwenDefaultSystemMessage, bool AddVisionId = false)
{
    /// <summary>The default system message of Qwen2.5-VL's chat template.</summary>
    public const string QwenDefaultSystemMessage = "You are a helpful assistant.";

    /// <summary>The released template's behaviour.</summary>
    public static ChatTemplateOptions Qwen { get; } = new();

    /// <summary>No default system turn (Vision-R1's RL prompts: "no system prompt").</summary>
    public static ChatTemplateOptions NoSystemPrompt { get; } = new(DefaultSystemMessage: null);
}
