using System.Text.Json;
using VisionR1.Data.Records;
using VisionR1.Inputs;
using VisionR1.Problems;

namespace VisionR1.Data.Readers;

/// <summary>
/// <see cref="ChatSample"/>s as JSON Lines in the ShareGPT layout (<c>conversations</c> of <c>{from, value}</c>,
/// as Vision-R1-cold and LLaMA-Factory use) or the OpenAI layout (<c>messages</c> of <c>{role, content}</c>),
/// with <c>images</c> relative to the data root. Written in the ShareGPT layout; a sample that keeps its problem also has the
/// problem's fields (<c>question</c>, <c>answer</c>, <c>choices</c>, <c>answer_type</c>, <c>precision</c>, <c>unit</c>, <c>metadata</c>)
/// as <see cref="MathProblemJsonl"/> names them, which chat trainers ignore.
/// </summary>
public static class ChatSampleJsonl
{
    /// <summary>Streams the samples of <paramref name="path"/>; bad lines are skipped and counted (or throw when strict).</summary>
    public static IAsyncEnumerable<ChatSample> ReadAsync(string path, ReadOptions? options = null, ReadReport? report = null, CancellationToken cancellationToken = default) =>
        ReadAsync(path, accept: null, options, report, cancellationToken);

    /// <summary>
    /// Streams the samples of <paramref name="path"/> that <paramref name="accept"/> takes: it returns why a sample that parsed
    /// cannot be used (too long for the model, an image that does not decode, ...), which names the sample's line and skips it
    /// like a malformed one, or null to keep it.
    /// </summary>
    public static IAsyncEnumerable<ChatSample> ReadAsync(string path, Func<ChatSample, string?>? accept, ReadOptions? options = null, ReadReport? report = null, CancellationToken cancellationToken = default)
    {
        options ??= new ReadOptions();
        var root = options.DataRoot ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
        return JsonlFile.ReadAsync(path, (e, loc) => JsonLines.Accepted(Parse(e, root, options.RequireImageFiles, loc, fallbackId: loc), loc, accept), options, report, cancellationToken);
    }

    /// <summary>
    /// Parses one sample object. A missing id becomes <paramref name="fallbackId"/>. Malformed: no conversation, a turn without a
    /// known role or a text, no assistant turn (nothing to learn from), image tokens that do not match the images, or images
    /// without tokens and without a user turn to hold them.
    /// </summary>
    public static ChatSample Parse(JsonElement e, string dataRoot, bool requireImageFiles, string location, string fallbackId)
    {
        var id = JsonLines.String(e, "id") ?? fallbackId;
        var turns = new List<ChatTurn>();
        if (JsonLines.TryGet(e, "conversations", out var conv)) ReadTurns(conv, "from", "value", turns, location);
        else if (JsonLines.TryGet(e, "messages", out var msgs)) ReadTurns(msgs, "role", "content", turns, location);
        else throw new DataFormatException(location, "missing 'conversations' (ShareGPT) or 'messages'");
        if (turns.Count == 0) throw new DataFormatException(location, "the conversation is empty");
        var images = JsonLines.Images(JsonLines.StringList(e, "images") ?? [], dataRoot, requireImageFiles, location);
        int tokens = turns.Sum(t => CountOccurrences(t.Text, ChatSample.ImageToken));
        if (tokens != 0 && tokens != images.Count)
            throw new DataFormatException(location, $"{tokens} {ChatSample.ImageToken} token(s) but {images.Count} image(s)");
        if (tokens == 0 && images.Count > 0 && turns.All(t => t.Role != ChatTurn.UserRole))
            throw new DataFormatException(location, $"{images.Count} image(s) but no user turn to hold them");
        if (turns.All(t => t.Role != ChatTurn.AssistantRole)) throw new DataFormatException(location, "no assistant turn to learn from");
        // A sample the filter wrote keeps its problem's facts next to the conversation.
        var problem = JsonLines.TryGet(e, "answer", out _) && JsonLines.TryGet(e, "question", out _) ? MathProblemJsonl.ParseFacts(e, id, images, location) : null;
        return new ChatSample(id, turns, images, problem);
    }

    private static void ReadTurns(JsonElement list, string roleKey, string textKey, List<ChatTurn> turns, string location)
    {
        if (list.ValueKind != JsonValueKind.Array) throw new DataFormatException(location, "the conversation must be a list");
        foreach (var t in list.EnumerateArray())
        {
            int n = turns.Count + 1;
            if (t.ValueKind != JsonValueKind.Object) throw new DataFormatException(location, $"turn {n} must be an object with '{roleKey}' and '{textKey}'");
            var role = (JsonLines.String(t, roleKey) ?? throw new DataFormatException(location, $"turn {n} has no '{roleKey}'")).ToLowerInvariant() switch
            {
                "human" or "user" => ChatTurn.UserRole,
                "gpt" or "assistant" or "model" => ChatTurn.AssistantRole,
                "system" => ChatTurn.SystemRole,
                var r => throw new DataFormatException(location, $"turn {n} has the unknown role '{r}' (use system, user or assistant; ShareGPT: system, human or gpt)"),
            };
            var text = JsonLines.String(t, textKey) ?? throw new DataFormatException(location, $"turn {n} has no '{textKey}' text");
            turns.Add(new ChatTurn(role, [new TextPart(text)]));
        }
    }

    private static int CountOccurrences(string text, string token)
    {
        int n = 0;
        for (int i = text.IndexOf(token, StringComparison.Ordinal); i >= 0; i = text.IndexOf(token, i + token.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    /// <summary>
    /// Writes one sample as a ShareGPT JSON object (image paths relative to <paramref name="dataRoot"/>; images outside it are
    /// copied under its <c>images/</c> folder, see <see cref="ImagePlacement"/>).
    /// </summary>
    public static void Write(Utf8JsonWriter w, ChatSample sample, string dataRoot)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(sample);
        var root = Path.GetFullPath(dataRoot);
        w.WriteStartObject();
        w.WriteString("id", sample.Id);
        w.WriteStartArray("conversations");
        foreach (var t in sample.Turns)
        {
            w.WriteStartObject();
            w.WriteString("from", t.Role switch { ChatTurn.UserRole => "human", ChatTurn.AssistantRole => "gpt", ChatTurn.SystemRole => "system", var r => r });
            w.WriteString("value", t.Text);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("images");
        for (int i = 0; i < sample.Images.Count; i++)
            w.WriteStringValue(ImagePlacement.RelativePath(root, sample.Images[i], sample.Id, i));
        w.WriteEndArray();
        if (sample.Problem is { } problem) MathProblemJsonl.WriteFacts(w, problem);
        w.WriteEndObject();
    }

    /// <summary>Writes samples atomically.</summary>
    public static Task WriteAsync(string path, IAsyncEnumerable<ChatSample> samples, string dataRoot, CancellationToken cancellationToken = default) =>
        JsonlFile.WriteAtomicAsync(path, samples, (w, s) => Write(w, s, dataRoot), cancellationToken);
}
