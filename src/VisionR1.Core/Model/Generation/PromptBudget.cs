namespace VisionR1.Model.Generation;

/// <summary>
/// Whether a prompt fits the model's positions together with the tokens to be generated after it, checked per item before
/// a batch is built (a batch's generation fails as a whole when one prompt is too long).
/// </summary>
public static class PromptBudget
{
    /// <summary>
    /// Null when <paramref name="promptTokens"/> + <paramref name="maxNewTokens"/> fits <paramref name="maxPositionEmbeddings"/> (the
    /// model's <c>max_position_embeddings</c>, <see cref="QwenVLModel.MaxPositionEmbeddings"/>); otherwise why not (for the skipped item's message).
    /// </summary>
    public static string? Check(int promptTokens, int maxNewTokens, int maxPositionEmbeddings)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(promptTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewTokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPositionEmbeddings, 1);
        return (long)promptTokens + maxNewTokens <= maxPositionEmbeddings ? null
            : $"the prompt is {promptTokens} tokens; with {maxNewTokens} tokens to generate it exceeds max_position_embeddings {maxPositionEmbeddings}";
    }
}
