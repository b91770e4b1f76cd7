using System.Runtime.CompilerServices;
using VisionR1.Inputs;

namespace VisionR1.Grpo.Policies;

/// <summary>
/// Encodes prompts with the Qwen-VL chat template, ending with the assistant generation prompt: one user turn with
/// the problem's images then <see cref="GrpoPrompt.Prompt"/>. Images are decoded and patchified here, when the batch is
/// built, through the <see cref="ImageLoader"/> (give it a cache that holds a step's images, since a GRPO step encodes each
/// prompt once per pass); nothing of an image outlives the batch otherwise. The tokenization of text-only prompts is
/// cached for the prompt object's lifetime. Vision-R1 uses no system prompt in RL: build the template with
/// <see cref="ChatTemplateOptions.NoSystemPrompt"/> for the paper's setting.
/// </summary>
/// <param name="template">The chat template (tokenizer and system prompt).</param>
/// <param name="images">Loads the images; null for a loader without a cache.</param>
public sealed class ChatPromptEncoder(ChatTemplate template, ImageLoader? images = null) : IPromptEncoder
{
    private readonly ChatTemplate _template = template ?? throw new ArgumentNullException(nameof(template));
    private readonly ConditionalWeakTable<GrpoPrompt, TokenizedConversation> _textOnly = [];

    /// <summary>The image loader.</summary>
    public ImageLoader Images { get; } = images ?? new ImageLoader();

    /// <summary>The chat template.</summary>
    public ChatTemplate Template => _template;

    /// <inheritdoc />
    public MultimodalBatch Encode(IReadOnlyList<GrpoPrompt> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var items = prompts.Select(p => p.Problem.Images.Count == 0 ? _textOnly.GetValue(p, Tokenize) : Tokenize(p)).ToList();
        return MultimodalCollator.Collate(items, _template.Tokenizer.Special);
    }

    private TokenizedConversation Tokenize(GrpoPrompt prompt) =>
        _template.Encode(Images.Resolve(prompt.Conversation()), addGenerationPrompt: true);
}
