using VisionR1.Runtime;
using VisionR1.Inputs;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Training;

/// <summary>
/// Collates conversations for SFT with the chat template: the loss covers assistant content and each
/// assistant turn's end-of-turn token, nothing else (the template's labels). What it takes is the conversation (the data
/// package's chat sample gives it, images placed; <see cref="ProblemTurns.WithReply"/> makes one about a problem). Images given by reference (<see cref="ImageRefPart"/>, e.g. from
/// <see cref="ProblemTurns.WithReply"/>) are decoded here, as the batch is built. With <see cref="MaxSampleTokens"/> set, a
/// conversation over it is refused by name before any tensor is built: check the data with <see cref="CheckLength"/> or
/// <see cref="WithinLength"/> first to skip such samples instead.
/// </summary>
/// <param name="template">The chat template.</param>
/// <param name="images">Loads referenced images; null for a loader without a cache.</param>
public sealed class ChatSftCollator(ChatTemplate template, ImageLoader? images = null) : ISftCollator<IReadOnlyList<ChatTurn>>
{
    private readonly ChatTemplate _template = template ?? throw new ArgumentNullException(nameof(template));

    /// <summary>The image loader.</summary>
    public ImageLoader Images { get; } = images ?? new ImageLoader();

    /// <summary>
    /// The longest conversation trained on, in tokens with its images' tokens; null (the default) for no limit. Set it to the
    /// model's context (<c>max_position_embeddings</c>) or less: a longer sample cannot be trained on in one piece.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The limit is below 1.</exception>
    public int? MaxSampleTokens
    {
        get;
        init => field = value is < 1 ? throw new ArgumentOutOfRangeException(nameof(MaxSampleTokens), value, "At least one token, or null for no limit.") : value;
    }

    /// <summary>
    /// Why <paramref name="conversation"/> is over <see cref="MaxSampleTokens"/> (its length and the limit), or null when it fits or
    /// there is no limit. Encodes the conversation with its images decoded (through <see cref="Images"/>), builds no tensor.
    /// </summary>
    public string? CheckLength(IReadOnlyList<ChatTurn> conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        return MaxSampleTokens is { } max ? TooLong(_template.Encode(Images.Resolve(conversation), addGenerationPrompt: false).Length, max) : null;
    }

    /// <summary>
    /// The samples that fit <see cref="MaxSampleTokens"/>, in order; each one over it is passed to <paramref name="skipped"/> with
    /// its index and why. Call it on the data before training so that no step meets a sample it must refuse.
    /// </summary>
    public List<IReadOnlyList<ChatTurn>> WithinLength(IReadOnlyList<IReadOnlyList<ChatTurn>> samples, Action<int, string>? skipped = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var kept = new List<IReadOnlyList<ChatTurn>>(samples.Count);
        for (int i = 0; i < samples.Count; i++)
        {
            if (CheckLength(samples[i]) is { } why) skipped?.Invoke(i, why);
            else kept.Add(samples[i]);
        }
        return kept;
    }

    private static string? TooLong(int tokens, int max) => tokens <= max ? null
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the sample is {tokens:N0} tokens, over the limit of {max:N0}");

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
            if (MaxSampleTokens is { } max && TooLong(conversation.Length, max) is { } why)
                throw new ArgumentException($"Sample {i}: {why}.", nameof(samples));
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
