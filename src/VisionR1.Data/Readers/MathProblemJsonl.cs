using System.Runtime.CompilerServices;
using System.Text.Json;
using VisionR1.Data.Records;
using VisionR1.Problems;

namespace VisionR1.Data.Readers;

/// <summary>
/// <see cref="MathProblem"/>s as JSON Lines: <c>{"id", "images": ["rel/path.png", ...], "question", "answer",
/// "choices", "answer_type", "precision", "unit", "metadata": {...}}</c>. Image paths are relative to the data
/// root. Read aliases: <c>pid</c> for id, <c>problem</c>/<c>query</c> for question, <c>image</c> for a single image,
/// <c>question_type: multi_choice</c> for the answer type; <c>choices</c> without either make a multiple-choice problem.
/// </summary>
public static class MathProblemJsonl
{
    /// <summary>Streams the problems of <paramref name="path"/>; bad lines are skipped and counted (or throw when strict).</summary>
    public static IAsyncEnumerable<MathProblem> ReadAsync(string path, ReadOptions? options = null, ReadReport? report = null, CancellationToken cancellationToken = default) =>
        ReadAsync(path, accept: null, options, report, cancellationToken);

    /// <summary>
    /// Streams the problems of <paramref name="path"/> that <paramref name="accept"/> takes: it returns why a problem that parsed
    /// cannot be used (a prompt too long for the model, an image that does not decode, ...), which names the problem's line and
    /// skips it like a malformed one, or null to keep it. Without an id a problem is malformed unless
    /// <see cref="ReadOptions.OptionalIds"/> gives it its location.
    /// </summary>
    public static IAsyncEnumerable<MathProblem> ReadAsync(string path, Func<MathProblem, string?>? accept, ReadOptions? options = null, ReadReport? report = null, CancellationToken cancellationToken = default)
    {
        options ??= new ReadOptions();
        var root = options.DataRoot ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
        bool optionalIds = options.OptionalIds;
        return JsonlFile.ReadAsync(path, (e, loc) => JsonLines.Accepted(Parse(e, root, options.RequireImageFiles, loc, optionalIds ? loc : null), loc, accept), options, report, cancellationToken);
    }

    /// <summary>
    /// Parses one problem object; image paths are resolved under <paramref name="dataRoot"/>. A missing id becomes
    /// <paramref name="fallbackId"/>, or is malformed when that is null.
    /// </summary>
    public static MathProblem Parse(JsonElement e, string dataRoot, bool requireImageFiles = true, string location = "(object)", string? fallbackId = null)
    {
        var id = JsonLines.String(e, "id", "pid") ?? fallbackId ?? throw new DataFormatException(location, "missing field 'id' or 'pid'");
        var images = JsonLines.Images(ImagePaths(e), dataRoot, requireImageFiles, location);
        return ParseFacts(e, id, images, location);
    }

    /// <summary>
    /// The problem of <paramref name="e"/> whose id and images are already read: question, answer, choices, answer type,
    /// precision, unit and metadata (the fields <see cref="WriteFacts"/> writes; absent optional ones stay absent). Choices without
    /// an <c>answer_type</c> or <c>question_type</c> make the problem multiple choice.
    /// </summary>
    internal static MathProblem ParseFacts(JsonElement e, string id, IReadOnlyList<ImageRef> images, string location)
    {
        var question = JsonLines.RequireString(e, "question", "problem", "query");
        var answer = JsonLines.RequireString(e, "answer");
        var choices = JsonLines.StringList(e, "choices");
        var answerType = JsonLines.String(e, "answer_type");
        var questionType = JsonLines.String(e, "question_type");
        // Choices without a stated type make a multiple-choice problem (the geometry3k layout states none).
        var type = answerType is null && questionType is null && choices is { Count: > 0 } ? AnswerType.MultipleChoice : AnswerTypeNames.Parse(answerType, questionType);
        if (type == AnswerType.MultipleChoice && (choices is null || choices.Count == 0))
            throw new DataFormatException(location, "a multiple-choice problem needs a non-empty 'choices' list");
        return new MathProblem(id, images, question, answer, choices, type, JsonLines.Int(e, "precision"), JsonLines.String(e, "unit"), JsonLines.StringMap(e, "metadata"));
    }

    private static IEnumerable<string> ImagePaths(JsonElement e)
    {
        if (JsonLines.TryGet(e, "images", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array) throw new FormatException("field 'images' must be a list");
            foreach (var item in list.EnumerateArray())
                yield return item.ValueKind switch
                {
                    JsonValueKind.String => item.GetString()!,
                    JsonValueKind.Object when JsonLines.String(item, "path") is { } p => p,
                    _ => throw new FormatException("each entry of 'images' must be a path or {\"path\": ...}"),
                };
        }
        else if (JsonLines.String(e, "image") is { } single) yield return single;
    }

    /// <summary>
    /// Writes problems atomically. Image paths are written relative to <paramref name="dataRoot"/>; images that
    /// only have bytes are saved under <c>dataRoot/images/</c> first.
    /// </summary>
    public static Task WriteAsync(string path, IAsyncEnumerable<MathProblem> problems, string dataRoot, CancellationToken cancellationToken = default)
    {
        var root = Path.GetFullPath(dataRoot);
        return JsonlFile.WriteAtomicAsync(path, problems, (w, p) => Write(w, p, root), cancellationToken);
    }

    /// <summary>Writes problems atomically (see the streaming overload).</summary>
    public static Task WriteAsync(string path, IEnumerable<MathProblem> problems, string dataRoot, CancellationToken cancellationToken = default) =>
        WriteAsync(path, problems.ToAsyncEnumerable(), dataRoot, cancellationToken);

    private static void Write(Utf8JsonWriter w, MathProblem p, string root)
    {
        w.WriteStartObject();
        WriteFields(w, p, p.Images.Select((image, i) => RelativeImagePath(image, p.Id, i, root)).ToList());
        w.WriteEndObject();
    }

    /// <summary>
    /// Writes the fields of <paramref name="p"/> into the open object (id, images as <paramref name="imagePaths"/>, question, answer,
    /// choices, answer type, precision, unit, metadata): the problem part of every file that carries a problem on
    /// (cold-start records, filtered chat samples), read back by <see cref="Parse"/>.
    /// </summary>
    internal static void WriteFields(Utf8JsonWriter w, MathProblem p, IReadOnlyList<string> imagePaths)
    {
        w.WriteString("id", p.Id);
        w.WriteStartArray("images");
        foreach (var path in imagePaths) w.WriteStringValue(path);
        w.WriteEndArray();
        WriteFacts(w, p);
    }

    /// <summary>Writes the problem's facts beyond its id and images (question, answer, choices, answer type, precision, unit, metadata).</summary>
    internal static void WriteFacts(Utf8JsonWriter w, MathProblem p)
    {
        w.WriteString("question", p.Question);
        w.WriteString("answer", p.Answer);
        if (p.Choices is { } choices)
        {
            w.WriteStartArray("choices");
            foreach (var c in choices) w.WriteStringValue(c);
            w.WriteEndArray();
        }
        w.WriteString("answer_type", AnswerTypeNames.Format(p.AnswerType));
        if (p.Precision is { } prec) w.WriteNumber("precision", prec);
        if (p.Unit is { } unit) w.WriteString("unit", unit);
        if (p.Metadata is { Count: > 0 } meta)
        {
            w.WriteStartObject("metadata");
            foreach (var (k, v) in meta) w.WriteString(k, v);
            w.WriteEndObject();
        }
    }

    private static string RelativeImagePath(ImageRef image, string id, int index, string root)
    {
        if (image.Path is { } p)
        {
            var full = Path.IsPathRooted(p) ? Path.GetFullPath(p) : DataRoot.Resolve(root, p);
            var rel = Path.GetRelativePath(root, full);
            if (rel.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(rel))
                throw new ArgumentException($"problem '{id}': image '{p}' is outside the data root '{root}'");
            if (image.Bytes is { } b && !File.Exists(full))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllBytes(full, b);
            }
            return rel.Replace('\\', '/');
        }
        if (image.Bytes is not { } bytes) throw new ArgumentException($"problem '{id}': image {index} has neither a path nor bytes");
        var safe = string.Concat(id.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
        var relative = $"images/{safe}_{index}{ImageFormats.Extension(bytes)}";
        var target = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.WriteAllBytes(target, bytes);
        return relative;
    }
}
