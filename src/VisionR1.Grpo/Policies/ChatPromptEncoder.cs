using System.Runtime.CompilerServices;
using VisionR1.Grpo.Rollout;
using VisionR1.Inputs;

namespace VisionR1.Grpo.Policies;

/// <summary>
/// Encodes prompts with the Qwen2.5-VL chat template, ending with the assistant generation prompt.
/// A prompt whose <see cref="GrpoPrompt.Source"/> is a conversation (<c>IReadOnlyList&lt;ChatTurn&gt;</c>, images as
/// <see cref="ImagePart"/>s) is encoded as that conversation; otherwise as one user turn with <see cref="GrpoPrompt.Prompt"/>.
/// Each prompt's tokenization is cached for the prompt object's lifetime, since a rollout encodes a prompt
/// once per completion and pass. Vision-R1 uses no system prompt in RL: build the template with
/// <see cref="ChatTemplateOptions.NoSystemPrompt"/> for the paper's setting.
/// </summary>
public sealed class ChatPromptEncoder(ChatTemplate template) : IPromptEncoder
{
    private readonly ChatTemplate _template = template ?? throw new ArgumentNullException(nameof(template));
    private readonly ConditionalWeakTable<GrpoPrompt, TokenizedConversation> _cache = [];

    /// <inheritdoc />
    public MultimodalBatch Encode(IReadOnlyList<GrpoPrompt> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var items = prompts.Select(p => _cache.GetValue(p, Tokenize)).ToList();
        return MultimodalCollator.Collate(items, _template.Tokenizer.Special);
    }

    private TokenizedConversation Tokenize(GrpoPrompt prompt)
    {
        var turns = prompt.Source as IReadOnlyList<ChatTurn> ?? [ChatTurn.User(prompt.Prompt)];
        if (turns.Count == 0) throw new ArgumentException($"Prompt '{prompt.Id}' has an empty conversation.");
        if (turns[^1].Role == ChatTurn.AssistantRole)
            throw new ArgumentException($"Prompt '{prompt.Id}' ends with an assistant turn; a GRPO prompt ends where the assistant's reply begins.");
        return _template.Encode(turns, addGenerationPrompt: true);
    }
}
