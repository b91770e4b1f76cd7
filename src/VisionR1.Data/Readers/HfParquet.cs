using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Serialization;
using VisionR1.Data.Records;
using VisionR1.Problems;

namespace VisionR1.Data.Readers;

/// <summary>The Hugging Face Parquet layouts the reader understands.</summary>
public enum HfParquetSchema
{
    /// <summary>Decide from the columns: <c>decoded_image</c> or <c>pid</c> means MathVista, else geometry3k.</summary>
    Auto,
    /// <summary>geometry3k / Vision-R1-rl: <c>images</c> (list of struct {bytes, path}), <c>problem</c>, <c>answer</c>.</summary>
    Geometry3k,
    /// <summary>MathVista: <c>pid</c>, <c>question</c>, <c>decoded_image</c> (struct {bytes, path}), <c>choices</c>, <c>unit</c>, <c>precision</c>, <c>answer</c>, <c>question_type</c>, <c>answer_type</c>, <c>metadata</c>, <c>query</c>.</summary>
    MathVista,
}

/// <summary>
/// Streams <see cref="MathProblem"/>s out of Parquet files as Hugging Face publishes them (written by pyarrow,
/// nested list/struct columns, images embedded as <c>{bytes, path}</c> structs), one row group at a time.
/// </summary>
public static class HfParquet
{
    /// <summary>
    /// Reads the problems of <paramref name="path"/>. Rows without the required fields or with unusable images are
    /// skipped and counted in <paramref name="report"/> as <c>file row N</c> (or throw when strict). Images given only
    /// by path are resolved under the data root (default: the file's folder).
    /// </summary>
    public static async IAsyncEnumerable<MathProblem> ReadAsync(
        string path,
        HfParquetSchema schema = HfParquetSchema.Auto,
        ReadOptions? options = null,
        ReadReport? report = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new ReadOptions();
        var root = options.DataRoot ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
        var name = Path.GetFileName(path);
        int groups;
        try
        {
            await using var probe = File.OpenRead(path);
            await using var reader = await ParquetReader.CreateAsync(probe, cancellationToken: cancellationToken).ConfigureAwait(false);
            groups = reader.RowGroupCount;
            if (schema == HfParquetSchema.Auto)
            {
                var columns = reader.Schema.Fields.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
                schema = columns.Contains("decoded_image") || columns.Contains("pid") ? HfParquetSchema.MathVista : HfParquetSchema.Geometry3k;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new DataFormatException(path, $"not a readable Parquet file ({e.GetType().Name}: {e.Message})", e);
        }
        long row = 0;
        for (int g = 0; g < groups; g++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            IList<IDictionary<string, object?>> rows;
            try
            {
                await using var stream = File.OpenRead(path);
                var result = await ParquetSerializer.DeserializeUntypedAsync(stream, null, g, cancellationToken).ConfigureAwait(false);
                rows = result.Data.Select(d => (IDictionary<string, object?>)d!).ToList();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A damaged row group cannot be split into rows, so it fails the read (with the file named) rather than being skipped.
                throw new DataFormatException($"{path} row group {g}", $"cannot be read ({e.GetType().Name}: {e.Message})", e);
            }
            foreach (var r in rows)
            {
                var location = $"{name} row {row}";
                MathProblem? problem = null;
                try
                {
                    problem = schema == HfParquetSchema.MathVista ? ParseMathVista(r, root, options, row) : ParseGeometry3k(r, root, options, name, row);
                }
                catch (Exception e) when (e is FormatException or DataFormatException or ArgumentException or InvalidCastException)
                {
                    if (options.Strict) throw e as DataFormatException ?? new DataFormatException(location, e.Message, e);
                    report?.Skip(location, e.Message);
                }
                row++;
                if (problem is null) continue;
                report?.CountRead();
                yield return problem;
            }
        }
    }

    private static MathProblem ParseGeometry3k(IDictionary<string, object?> r, string root, ReadOptions options, string file, long row)
    {
        var id = Text(r, "id") ?? $"{Path.GetFileNameWithoutExtension(file)}-{row}";
        var images = new List<ImageRef>();
        if (Get(r, "images") is { } list)
        {
            if (list is not IEnumerable items || list is string) throw new FormatException("column 'images' must be a list");
            foreach (var item in items) images.Add(Image(item, root, options, "images"));
        }
        else if (Get(r, "image") is { } one) images.Add(Image(one, root, options, "image"));
        var question = Text(r, "problem") ?? Text(r, "question") ?? throw new FormatException("missing 'problem'");
        if (Get(r, "answer") is IEnumerable and not string) throw new FormatException("field 'answer' must be a string or a number, got a list or an object");
        var answer = Text(r, "answer") ?? throw new FormatException("missing 'answer'");
        return new MathProblem(id, images, question, answer);
    }

    private static MathProblem ParseMathVista(IDictionary<string, object?> r, string root, ReadOptions options, long row)
    {
        var id = Text(r, "pid") ?? throw new FormatException("missing 'pid'");
        var images = new List<ImageRef>();
        if (Get(r, "decoded_image") is { } decoded) images.Add(Image(decoded, root, options, "decoded_image"));
        else if (Text(r, "image") is { } imagePath) images.Add(Image(imagePath, root, options, "image"));
        var question = Text(r, "question") ?? throw new FormatException("missing 'question'");
        if (Get(r, "answer") is IEnumerable and not string) throw new FormatException("field 'answer' must be a string or a number, got a list or an object");
        var answer = Text(r, "answer") ?? throw new FormatException("missing 'answer'");
        List<string>? choices = Get(r, "choices") is IEnumerable cs and not string ? cs.Cast<object?>().Select(c => Convert.ToString(c, CultureInfo.InvariantCulture) ?? "").ToList() : null;
        var type = AnswerTypeNames.Parse(Text(r, "answer_type"), Text(r, "question_type"));
        if (type == AnswerType.MultipleChoice && (choices is null || choices.Count == 0)) throw new FormatException("a multi_choice row needs choices");
        int? precision = Get(r, "precision") switch
        {
            null => null,
            string t when !double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out _) => throw new FormatException($"field 'precision' must be a number, got \"{t}\""),
            IConvertible c => (int)Math.Truncate(c.ToDouble(CultureInfo.InvariantCulture)),
            var other => throw new FormatException($"'precision' has type {other.GetType().Name}"),
        };
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Get(r, "metadata") is IDictionary<string, object?> m)
            foreach (var (k, v) in m) if (v is not null) meta[k] = Flatten(v);
        foreach (var key in new[] { "query", "question_type", "answer_type" })
            if (Text(r, key) is { } v) meta[key] = v;
        return new MathProblem(id, images, question, answer, choices, type, precision, Text(r, "unit"), meta);
    }

    private static ImageRef Image(object? value, string root, ReadOptions options, string column)
    {
        byte[]? bytes = null;
        string? path = null;
        switch (value)
        {
            case IDictionary<string, object?> s:
                bytes = s.TryGetValue("bytes", out var b) ? b as byte[] : null;
                path = s.TryGetValue("path", out var p) ? p as string : null;
                break;
            case byte[] raw:
                bytes = raw;
                break;
            case string s:
                path = s;
                break;
            default:
                throw new FormatException($"column '{column}' holds {value?.GetType().Name ?? "null"}, expected a struct {{bytes, path}}");
        }
        if (bytes is { Length: > 0 })
        {
            if (ImageFormats.MediaType(bytes) == "application/octet-stream") throw new FormatException($"column '{column}': the image bytes are not a known image format");
            return new ImageRef(path, bytes);
        }
        if (string.IsNullOrEmpty(path)) throw new FormatException($"column '{column}': image has neither bytes nor path");
        var full = DataRoot.Resolve(root, path);
        if (options.RequireImageFiles && !File.Exists(full)) throw new FormatException($"column '{column}': image file '{path}' not found under '{root}'");
        return new ImageRef(full, null);
    }

    private static object? Get(IDictionary<string, object?> r, string key) => r.TryGetValue(key, out var v) ? v : null;

    private static string? Text(IDictionary<string, object?> r, string key) => Get(r, key) switch
    {
        null => null,
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var v => v.ToString(),
    };

    private static string Flatten(object v) => v switch
    {
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e => string.Join(",", e.Cast<object?>().Select(x => x is null ? "" : Flatten(x))),
        _ => v.ToString() ?? "",
    };
}
