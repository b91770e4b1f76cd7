using VisionR1.Inputs;

namespace VisionR1.Grpo.Policies;

/// <summary>Turns prompts into the model's left-padded input batch (chat template, image tokens, pixels), ending where the assistant's reply begins.</summary>
public interface IPromptEncoder
{
    /// <summary>Encodes the prompts, one row each, in order.</summary>
    MultimodalBatch Encode(IReadOnlyList<GrpoPrompt> prompts);

    /// <summary>
    /// Text the encoded prompt already opens in the assistant's reply (<see cref="ChatTemplate.GenerationPrefix"/>: <c>&lt;think&gt;\n</c>
    /// for Qwen3-VL Thinking), which rewards read in front of each completion. Empty by default.
    /// </summary>
    string CompletionPrefix => string.Empty;
}
