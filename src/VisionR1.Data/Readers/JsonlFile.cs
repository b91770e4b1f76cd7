using System.Runtime.CompilerServices;
using System.Text.Json;
using VisionR1.IO;

namespace VisionR1.Data.Readers;

/// <summary>Streams a JSON Lines file one object at a time; blank lines are ignored.</summary>
public static class JsonlFile
{
    /// <summary>
    /// Reads <paramref name="path"/> line by line and maps each JSON object with <paramref name="parse"/>
    /// (which receives the object and its location, <c>file:line</c>, and throws on bad content).
    /// Malformed lines, and lines over <see cref="BoundedLineReader.DefaultMaxLineBytes"/>, are skipped and counted in
    /// <paramref name="report"/>, or throw <see cref="DataFormatException"/> when <paramref name="strict"/>.
    /// </summary>
    public static IAsyncEnumerable<T> ReadAsync<T>(
        string path,
        Func<JsonElement, string, T> parse,
        bool strict = false,
        ReadReport? report = null,
        CancellationToken cancellationToken = default) =>
        ReadAsync(path, parse, new ReadOptions(Strict: strict), report, cancellationToken);

    /// <summary>
    /// As <see cref="ReadAsync{T}(string, Func{JsonElement, string, T}, bool, ReadReport?, CancellationToken)"/> with the strictness
    /// and the line limit (<see cref="ReadOptions.MaxLineBytes"/>) of <paramref name="options"/>. Each line is parsed from its
    /// UTF-8 bytes; a line over the limit is skipped while it streams past, never held as a whole. Locations name the file by
    /// <see cref="ReadOptions.SourceName"/>.
    /// </summary>
    public static async IAsyncEnumerable<T> ReadAsync<T>(
        string path,
        Func<JsonElement, string, T> parse,
        ReadOptions options,
        ReadReport? report = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(options);
        using var reader = BoundedLineReader.Open(path, options.MaxLineBytes);
        var name = options.SourceName ?? Path.GetFileName(path);
        while (reader.TryReadLine(out var line))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (line.IsBlank) continue;
            var location = $"{name}:{line.Number}";
            T item;
            try
            {
                if (line.IsTooLong) throw new DataFormatException(location, line.TooLongReason(options.MaxLineBytes));
                using var doc = JsonDocument.Parse(line.Bytes);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw new DataFormatException(location, $"expected a JSON object, got {doc.RootElement.ValueKind}");
                item = parse(doc.RootElement, location);
            }
            catch (Exception e) when (e is JsonException or DataFormatException or ArgumentException or FormatException or InvalidOperationException or KeyNotFoundException)
            {
                var error = e as DataFormatException ?? new DataFormatException(location, e is JsonException ? $"not valid JSON ({e.Message})" : e.Message, e);
                if (options.Strict) throw error;
                report?.Skip(location, error.Message[(error.Location.Length + 2)..]);
                continue;
            }
            report?.CountRead();
            yield return item;
            await Task.CompletedTask.ConfigureAwait(false);
        }
    }

    /// <summary>Writes <paramref name="items"/> as JSON Lines atomically (a temporary file renamed over the target).</summary>
    public static async Task WriteAtomicAsync<T>(string path, IAsyncEnumerable<T> items, Action<Utf8JsonWriter, T> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(write);
        await AtomicFile.WriteAsync(path, async (stream, ct) =>
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            await foreach (var item in items.WithCancellation(ct).ConfigureAwait(false))
            {
                buffer.ResetWrittenCount();
                using (var w = new Utf8JsonWriter(buffer, JsonLines.WriterOptions)) write(w, item);
                await stream.WriteAsync(buffer.WrittenMemory, ct).ConfigureAwait(false);
                stream.WriteByte((byte)'\n');
            }
        }, cancellationToken).ConfigureAwait(false);
    }
}
