using System.Text.Json;

namespace VisionR1.Inputs;

/// <summary>Settings of the Qwen chat template.</summary>
/// <param name="DefaultSystemMessage">
/// The system message inserted when the first turn is not a system turn ("You are a helpful
/// assistant.", from the released Qwen2.5-VL <c>chat_template.json</c>). Null omits the system turn entirely:
/// Vision-R1's GRPO runs with no system prompt (see <see cref="NoSystemPrompt"/>), and the Qwen3-VL templates have none.
/// </param>
/// <param name="AddVisionId">Write "Picture n: " before each image (the template's <c>add_vision_id</c>; off by default).</param>
/// <param name="Style">Which released template is rendered (Qwen2.5-VL's by default).</param>
public sealed record ChatTemplateOptions(
    string? DefaultSystemMessage = ChatTemplateOptions.QwenDefaultSystemMessage,
    bool AddVisionId = false,
    ChatTemplateStyle Style = ChatTemplateStyle.Qwen25VL)
{
    /// <summary>The default system message of Qwen2.5-VL's chat template.</summary>
    public const string QwenDefaultSystemMessage = "You are a helpful assistant.";

    /// <summary>The released Qwen2.5-VL template's behaviour.</summary>
    public static ChatTemplateOptions Qwen { get; } = new();

    /// <summary>Qwen2.5-VL's template with no default system turn (Vision-R1's RL prompts: "no system prompt").</summary>
    public static ChatTemplateOptions NoSystemPrompt { get; } = new(DefaultSystemMessage: null);

    /// <summary>The released Qwen3-VL Instruct template (no default system turn).</summary>
    public static ChatTemplateOptions Qwen3VLInstruct { get; } = new(DefaultSystemMessage: null, Style: ChatTemplateStyle.Qwen3VLInstruct);

    /// <summary>The released Qwen3-VL Thinking template (no default system turn; the generation prompt opens <c>&lt;think&gt;</c>).</summary>
    public static ChatTemplateOptions Qwen3VLThinking { get; } = new(DefaultSystemMessage: null, Style: ChatTemplateStyle.Qwen3VLThinking);

    /// <summary>
    /// The options of the template a Hugging Face folder ships, recognised from its text: <c>chat_template.jinja</c>,
    /// else <c>chat_template.json</c>'s <c>chat_template</c>, else <c>tokenizer_config.json</c>'s (the order transformers'
    /// processors read them in). A generation prompt that opens <c>&lt;think&gt;</c> is Qwen3-VL Thinking; a template
    /// with Qwen2.5-VL's default system message is Qwen2.5-VL (<see cref="Qwen"/>); another one that writes
    /// <c>&lt;|vision_start|&gt;</c> is Qwen3-VL Instruct. Null when the folder has no template.
    /// </summary>
    /// <exception cref="InvalidDataException">A template file is not valid JSON, or the template is none of the three (the file is named).</exception>
    public static ChatTemplateOptions? FromFolder(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var (template, file) = ReadTemplate(directory);
        if (template is null) return null;
        if (template.Contains(@"assistant\n<think>\n", StringComparison.Ordinal)) return Qwen3VLThinking;
        if (template.Contains(QwenDefaultSystemMessage, StringComparison.Ordinal)) return Qwen;
        if (template.Contains("<|vision_start|>", StringComparison.Ordinal) && template.Contains("<|im_start|>", StringComparison.Ordinal)) return Qwen3VLInstruct;
        throw new InvalidDataException($"{file}: the chat template is neither Qwen2.5-VL's nor Qwen3-VL's (Instruct or Thinking).");
    }

    private static (string? Template, string? File) ReadTemplate(string directory)
    {
        var jinja = Path.Combine(directory, "chat_template.jinja");
        if (File.Exists(jinja)) return (File.ReadAllText(jinja), jinja);
        foreach (var name in new[] { "chat_template.json", "tokenizer_config.json" })
        {
            var path = Path.Combine(directory, name);
            if (!File.Exists(path)) continue;
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(path));
                if (doc.RootElement.TryGetProperty("chat_template", out var t) && t.ValueKind == JsonValueKind.String) return (t.GetString(), path);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: {e.Message}", e);
            }
        }

        return (null, null);
    }
}
