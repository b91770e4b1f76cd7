namespace VisionR1.Inputs;

/// <summary>
/// A conversation after the chat template: token ids with every <c>&lt;|image_pad|&gt;</c>
/// expanded, SFT labels, and the images in order of appearance.
/// </summary>
/// <param name="InputIds">Token ids.</param>
/// <param name="Labels">
/// Same length as <see cref="InputIds"/>: the id for assistant content tokens and each assistant
/// turn's <c>&lt;|im_end|&gt;</c>, <see cref="ChatTemplate.IgnoreIndex"/> (−100) everywhere else.
/// </param>
/// <param name="Images">The images, in the order their pads appear.</param>
public sealed record TokenizedConversation(IReadOnlyList<int> InputIds, IReadOnlyList<int> Labels, IReadOnlyList<ProcessedImage> Images)
{
    /// <summary>Number of tokens.</summary>
    public int Length => InputIds.Count;
}
