using static TorchSharp.torch;

namespace VisionR1.Inputs;

/// <summary>
/// Prompts with sampled completions, laid out for GRPO log-probabilities: each row is its
/// prompt left-padded to <see cref="PromptLength"/> followed by its completion right-padded to
/// <see cref="CompletionLength"/>, so every completion starts at column <see cref="PromptLength"/>.
/// The log-probability of completion token <c>t</c> (column <c>PromptLength + t</c>) comes from the
/// logits at column <c>PromptLength + t − 1</c>.
/// </summary>
/// <param name="Inputs">(B, P + C) ids and attention mask (1 on prompt and completion tokens, 0 on padding), with every row's images.</param>
/// <param name="CompletionMask">(B, P + C) int64: 1 on completion tokens, 0 on prompt and padding; <c>CompletionMask[:, P:]</c> is the usual (B, C) mask.</param>
/// <param name="PromptLength">P, the padded prompt length (index of the first completion column).</param>
public sealed record CompletionBatch(MultimodalBatch Inputs, Tensor CompletionMask, int PromptLength) : IDisposable
{
    /// <summary>C, the padded completion length.</summary>
    public int CompletionLength => (int)Inputs.SequenceLength - PromptLength;

    /// <inheritdoc />
    public void Dispose()
    {
        Inputs.Dispose();
        CompletionMask.Dispose();
    }
}
