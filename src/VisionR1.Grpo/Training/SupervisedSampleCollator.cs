using VisionR1.Inputs;
using VisionR1.Problems;

namespace VisionR1.Grpo.Training;

/// <summary>Collates <see cref="SupervisedSample"/>s for SFT with the chat template, decoding their images as each batch is built.</summary>
/// <param name="template">The chat template.</param>
/// <param name="images">Loads the images; null for a loader without a cache.</param>
public sealed class SupervisedSampleCollator(ChatTemplate template, ImageLoader? images = null) : ISftCollator<SupervisedSample>
{
    private readonly ChatSftCollator _inner = new(template, images);

    /// <inheritdoc />
    public SftBatch Collate(IReadOnlyList<SupervisedSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return _inner.Collate(samples.Select(s => s.Conversation()).ToList());
    }

    /// <inheritdoc />
    public IReadOnlyList<SftBatch> CollateWithinTokens(IReadOnlyList<SupervisedSample> samples, int maxRows, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return _inner.CollateWithinTokens(samples.Select(s => s.Conversation()).ToList(), maxRows, maxTokens);
    }

    /// <inheritdoc />
    public IReadOnlyList<SftBatch> CollateWithinTokens(IReadOnlyList<SupervisedSample> samples, int maxRows, int maxTokens, int groupsMultipleOf)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return _inner.CollateWithinTokens(samples.Select(s => s.Conversation()).ToList(), maxRows, maxTokens, groupsMultipleOf);
    }
}
