using VisionR1.Runtime;
using VisionR1.Inputs;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Training;

/// <summary>
/// Collates conversations for SFT with the chat template: the loss covers assistant content and each
/// assistant turn's end-of-turn token, nothing else (the template's labels). The one SFT sample type is the conversation:
/// a problem's supervised sample gives it with <see cref="VisionR1.Inputs.SupervisedSample.Conversation"/>, a chat record
/// read from a file with its own conversion. Images given by reference (<see cref="ImageRefPart"/>, e.g. from
/// <see cref="ProblemTurns.WithReply"/>) are decoded here, as the batch is built.
/// </summary>
/// <param name="template">The chat template.</param>
/// <param name="images">Loads referenced images; null for a loader without a cache.</param>
public sealed class ChatSftCollator(ChatTemplate template, ImageLoader? images = null) : ISftCollator<IReadOnlyList<ChatTurn>>
{
    private readonly ChatTemplate _template = template ?? throw new ArgumentNullException(nameof(template));

    /// <summary>The image loader.</summary>
    public ImageLoader Images { get; } = images ?? new ImageLoader();

    /// <inheritdoc />
    public SftBatch Collate(IReadOnlyList<IReadOnlyList<ChatTurn>> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return Stack(Encode(samples));
    }

    /// <inheritdoc />
    /// <remarks>Each conversation is encoded once; the micro-batches are filled greedily in order of length, shortest first.</remarks>
    public IReadOnlyList<SftBatch> CollateWithinTokens(IReadOnlyList<IReadOnlyList<ChatTurn>> samples, int maxRows, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        var items = Encode(samples).OrderBy(i => i.Length).ToList(); // stable: equal lengths keep the data order
        var groups = new List<List<TokenizedConversation>>();
        foreach (var item in items)
        {
            var last = groups.Count == 0 ? null : groups[^1];
            // Sorted ascending, so this item is the group's longest: the group would pad to its length.
            if (last is null || (long)(last.Count + 1) * item.Length > maxTokens) groups.Add([item]);
            else last.Add(item);
        }
        var batches = new List<SftBatch>(groups.Count);
        try
        {
            foreach (var group in groups) batches.Add(Stack(group));
            return batches;
        }
        catch
        {
            foreach (var b in batches) b.Dispose();
            throw;
        }
    }

    private List<TokenizedConversation> Encode(IReadOnlyList<IReadOnlyList<ChatTurn>> samples)
    {
        var items = new List<TokenizedConversation>(samples.Count);
        for (int i = 0; i < samples.Count; i++)
        {
            var conversation = _template.Encode(Images.Resolve(samples[i]), addGenerationPrompt: false);
            if (!conversation.Labels.Any(l => l != ChatTemplate.IgnoreIndex))
                throw new ArgumentException($"Sample {i} has no assistant turn, so it has nothing to learn from.", nameof(samples));
            items.Add(conversation);
        }
        return items;
    }

    private SftBatch Stack(IReadOnlyList<TokenizedConversation> items)
    {
        var labelled = MultimodalCollator.CollateWithLabels(items, _template.Tokenizer.Special);
        using var labels = labelled.Labels;
        var mask = Scalars.NotEqual(labels, ChatTemplate.IgnoreIndex).to_type(ScalarType.Int64);
        return new SftBatch(labelled.Inputs, mask);
    }
}
