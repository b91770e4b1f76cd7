using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using VisionR1.Data.ColdStart;
using VisionR1.Data.Records;
using VisionR1.Problems;

namespace VisionR1.Data.Synthetic;

/// <summary>
/// A synthetic teacher for offline runs: an <see cref="IChatClient"/> that answers the three
/// modality-bridging prompts of Vision-R1 from the ground truth of synthetic-world items,
/// standing in for the paper's Qwen2.5-VL-72B (steps 1–2) and DeepSeek-R1 (step 3). It is not a
/// model; it writes templated text from scene facts, and errs on purpose at configurable rates.
/// </summary>
/// <remarks>
/// <para><b>Which item.</b> The request's <c>ChatOptions.AdditionalProperties</c> entry <see cref="ColdStartTags.ItemIdKey"/>
/// names it; without it, an attached image is matched to an item by its bytes.</para>
/// <para><b>Which step.</b> The entry <see cref="ColdStartTags.StepKey"/> names it
/// (<c>pseudo_cot</c>, <c>description</c>, <c>reasoning</c>: <see cref="ColdStartTags"/>). Without it the step is inferred:
/// a request with no image is <c>reasoning</c> (step 3 is text only); a request with an image
/// whose text contains "detailed description" (any case) is <c>description</c>; any other
/// request with an image is <c>pseudo_cot</c>.</para>
/// <para><b>Replies.</b> <c>pseudo_cot</c>: the caption plus the needed facts and the
/// computation from the ground truth. <c>description</c>: a description stating, one sentence
/// each, every fact the question needs. <c>reasoning</c>: a short chain of thought in
/// the think/answer layout of <see cref="VisionR1.Answers.ThinkAnswerFormat.Default"/> with re-checking and
/// verification ("Wait, let me recount…", "Let me check", "Alternatively"), whose facts are
/// parsed from the request text (the description the pipeline passes in), so a misstated
/// description leads to a wrong chain; facts the text does not state fall back to the ground
/// truth (counted in the response's <c>visionr1.facts_from_text</c> property).</para>
/// <para><b>Determinism.</b> A reply is a function of the seed, the item id, the step and the
/// request text; the client keeps no mutable state and is thread-safe.</para>
/// <para><b>Usage.</b> Token counts are counted with a word-level split (runs of letters or
/// digits, and single punctuation marks), not with a model tokenizer.</para>
/// </remarks>
public sealed partial class SyntheticTeacherChatClient : IChatClient
{
    /// <summary>Response property with the fault the teacher committed (a <see cref="SyntheticTeacherFault"/> name), for diagnostics.</summary>
    public const string FaultProperty = "visionr1.teacher_fault";

    /// <summary>Response property with "parsed/needed": how many needed facts the reasoning read from the request text.</summary>
    public const string FactsFromTextProperty = "visionr1.facts_from_text";

    private readonly Dictionary<string, SyntheticItem> _items;
    private readonly Dictionary<string, string> _idByImageHash;
    private readonly ChatClientMetadata _metadata;

    /// <summary>Creates a teacher over synthetic-world problems (their metadata holds the scene facts).</summary>
    /// <exception cref="FormatException">A problem is not a synthetic-world item (the message names it).</exception>
    /// <exception cref="ArgumentException">Two problems share an id, or an option is out of range.</exception>
    public SyntheticTeacherChatClient(IEnumerable<MathProblem> problems, SyntheticTeacherOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(problems);
        Options = options ?? new SyntheticTeacherOptions();
        Options.Validate();
        _items = new(StringComparer.Ordinal);
        _idByImageHash = new(StringComparer.Ordinal);
        foreach (var p in problems)
        {
            var item = SyntheticItem.FromProblem(p);
            if (!_items.TryAdd(p.Id, item)) throw new ArgumentException($"Two problems share the id '{p.Id}'.", nameof(problems));
            foreach (var image in p.Images)
                if (image.Bytes is { Length: > 0 } bytes) _idByImageHash.TryAdd(Convert.ToHexString(SHA256.HashData(bytes)), p.Id);
        }
        _metadata = new ChatClientMetadata("VisionR1.SyntheticTeacher", null, Options.ModelId);
    }

    /// <summary>The settings.</summary>
    public SyntheticTeacherOptions Options { get; }

    /// <summary>Number of items the teacher knows.</summary>
    public int Count => _items.Count;

    /// <summary>The fault the teacher commits on <paramref name="step"/> of item <paramref name="itemId"/> (a pure function of the seed, id and step).</summary>
    public SyntheticTeacherFault PlannedFault(string itemId, ColdStartStep step)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        var rng = WorldRandom.For(Options.Seed, $"teacher/{itemId}/{ColdStartTags.Name(step)}/fault");
        double u = rng.NextDouble();
        switch (step)
        {
            case ColdStartStep.Description:
                return u < Options.DescriptionMiscountRate ? SyntheticTeacherFault.DescriptionMiscount : SyntheticTeacherFault.None;
            case ColdStartStep.Reasoning:
                foreach (var (fault, p) in new[]
                         {
                             (SyntheticTeacherFault.WrongCount, Options.WrongCountRate), (SyntheticTeacherFault.Inconsistent, Options.InconsistentRate),
                             (SyntheticTeacherFault.Truncated, Options.TruncationRate), (SyntheticTeacherFault.Repetition, Options.RepetitionRate),
                         })
                {
                    if (u < p) return fault;
                    u -= p;
                }
                return SyntheticTeacherFault.None;
            default:
                return SyntheticTeacherFault.None;
        }
    }

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        var list = messages.ToList();
        var reply = Answer(list, options);
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, reply.Text))
        {
            ResponseId = reply.ResponseId,
            ModelId = Options.ModelId,
            FinishReason = reply.Complete ? ChatFinishReason.Stop : ChatFinishReason.Length,
            Usage = reply.Usage,
            AdditionalProperties = reply.Properties(),
        };
        return Task.FromResult(response);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        var reply = Answer(messages.ToList(), options);
        foreach (Match m in ChunkRegex().Matches(reply.Text))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new ChatResponseUpdate(ChatRole.Assistant, m.Value) { ResponseId = reply.ResponseId, ModelId = Options.ModelId };
            await Task.Yield();
        }
        yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(reply.Usage)])
        {
            ResponseId = reply.ResponseId,
            ModelId = Options.ModelId,
            FinishReason = reply.Complete ? ChatFinishReason.Stop : ChatFinishReason.Length,
            AdditionalProperties = reply.Properties(),
        };
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Nothing to release.</summary>
    public void Dispose()
    {
    }

    /// <summary>Counts tokens the way <see cref="ChatResponse.Usage"/> reports them: runs of letters or digits, and single other non-space characters.</summary>
    public static int CountTokens(string text) => string.IsNullOrEmpty(text) ? 0 : TokenRegex().Count(text);

    private sealed record Reply(string Text, bool Complete, string Step, SyntheticTeacherFault Fault, string FactsFromText, string ResponseId, UsageDetails Usage)
    {
        public AdditionalPropertiesDictionary Properties() => new()
        {
            [FaultProperty] = Fault.ToString(),
            [ColdStartTags.StepKey] = Step,
            [FactsFromTextProperty] = FactsFromText,
        };
    }

    private Reply Answer(List<ChatMessage> messages, ChatOptions? options)
    {
        var props = options?.AdditionalProperties;
        var images = messages.SelectMany(m => m.Contents).OfType<DataContent>().Where(d => d.HasTopLevelMediaType("image")).ToList();
        var text = string.Join("\n", messages.Where(m => m.Role != ChatRole.Assistant).Select(m => m.Text));
        var userText = string.Join("\n", messages.Where(m => m.Role == ChatRole.User).Select(m => m.Text));

        string? named = Property(props, ColdStartTags.StepKey);
        ColdStartStep stepKind;
        if (named is null) stepKind = InferStep(images.Count > 0, text);
        else if (!ColdStartTags.TryParse(named, out stepKind))
            throw new ArgumentException($"The synthetic teacher got an unknown '{ColdStartTags.StepKey}' value '{named}' (expected {ColdStartTags.PseudoCotName}, {ColdStartTags.DescriptionName} or {ColdStartTags.ReasoningName}).", nameof(options));
        string step = ColdStartTags.Name(stepKind);
        string id = Property(props, ColdStartTags.ItemIdKey) ?? IdFromImages(images)
            ?? throw new InvalidOperationException($"The synthetic teacher cannot tell which item a '{step}' request is about: set ChatOptions.AdditionalProperties[\"{ColdStartTags.ItemIdKey}\"] or attach the item's image.");
        if (!_items.TryGetValue(id, out var item))
            throw new InvalidOperationException($"The synthetic teacher knows no item '{id}' ({_items.Count} items loaded).");

        var fault = PlannedFault(id, stepKind);
        var rng = WorldRandom.For(Options.Seed, $"teacher/{id}/{step}");
        string reply;
        bool complete = true;
        string factsFromText = "";
        switch (stepKind)
        {
            case ColdStartStep.PseudoCot:
                reply = SyntheticCotWriter.PseudoCot(item);
                break;
            case ColdStartStep.Description:
                reply = Describe(item, fault, rng);
                break;
            default:
                var needed = item.Task.Facts;
                var parsed = needed.Select(f => FactText.TryParse(userText, f.Kind, f.Subject) ?? FactText.TryParse(text, f.Kind, f.Subject)).ToList();
                factsFromText = $"{parsed.Count(v => v is not null)}/{needed.Count}";
                var values = parsed.Select((v, i) => v ?? needed[i].Value).ToList();
                // Parsed values a task cannot take (e.g. a difference that turns negative) fall back to the truth.
                if (!Valid(item.Task, values)) values = needed.Select(f => f.Value).ToList();
                reply = SyntheticCotWriter.Reasoning(item, values, fault, rng, Options.MaxExtraReflections, out complete);
                break;
        }

        int input = CountTokens(text);
        int output = CountTokens(reply);
        var usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output };
        var responseId = "synth-" + Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{Options.Seed}\u001f{id}\u001f{step}\u001f{text}")))[..16].ToLowerInvariant();
        return new Reply(reply, complete, step, fault, factsFromText, responseId, usage);
    }

    private static bool Valid(SyntheticTask task, IReadOnlyList<int> values) => task.Formula switch
    {
        TaskFormula.Difference => values[0] >= values[1],
        _ => true,
    };

    private static string Describe(SyntheticItem item, SyntheticTeacherFault fault, WorldRandom rng)
    {
        if (fault != SyntheticTeacherFault.DescriptionMiscount) return item.Description();
        var truth = item.Task.Facts.Select(f => f.Value).ToList();
        var wrong = SyntheticCotWriter.Miscount(item.Task, truth, rng);
        if (wrong is null) return item.Description();
        var facts = item.DescribedFacts().ToList();
        for (int i = 0; i < truth.Count; i++)
        {
            if (wrong[i] == truth[i]) continue;
            var f = item.Task.Facts[i];
            int at = facts.FindIndex(x => x.Kind == f.Kind && x.Subject == f.Subject);
            facts[at] = f with { Value = wrong[i] };
        }
        return item.Description(facts);
    }

    private string? IdFromImages(List<DataContent> images)
    {
        foreach (var image in images)
            if (_idByImageHash.TryGetValue(Convert.ToHexString(SHA256.HashData(image.Data.Span)), out var id)) return id;
        return null;
    }

    private static ColdStartStep InferStep(bool hasImage, string text) =>
        !hasImage ? ColdStartStep.Reasoning
        : text.Contains("detailed description", StringComparison.OrdinalIgnoreCase) ? ColdStartStep.Description
        : ColdStartStep.PseudoCot;

    private static string? Property(AdditionalPropertiesDictionary? props, string key) =>
        props is not null && props.TryGetValue(key, out var v) && v is not null
            ? Convert.ToString(v, CultureInfo.InvariantCulture) is { Length: > 0 } s ? s : null
            : null;

    [GeneratedRegex(@"\S+\s*|\s+", RegexOptions.CultureInvariant)]
    private static partial Regex ChunkRegex();

    [GeneratedRegex(@"[\p{L}\p{N}_]+|[^\p{L}\p{N}_\s]", RegexOptions.CultureInvariant)]
    private static partial Regex TokenRegex();
}
