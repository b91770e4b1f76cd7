namespace VisionR1.Model.Generation;

/// <summary>Why a completion ended.</summary>
public enum FinishReason
{
    /// <summary>A stop token was generated (it is the completion's last token).</summary>
    Stop,

    /// <summary><see cref="GenerationOptions.MaxNewTokens"/> was reached (a truncated completion).</summary>
    Length,
}
