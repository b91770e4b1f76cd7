using System.Text.Json;
using VisionR1.IO;

namespace VisionR1.Data.Readers;

/// <summary>
/// An append-only JSON Lines file of records keyed by an id field: opening it reads the ids already present
/// (a torn last line from a crash is cut off), <see cref="AppendAsync"/> writes and flushes one whole line at a
/// time and refuses an id that is already there. Thread-safe.
/// </summary>
public sealed class AppendOnlyJsonl : IAsyncDisposable
{
    private readonly FileStream _stream;
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _idField;

    private AppendOnlyJsonl(FileStream stream, string idField)
    {
        _stream = stream;
        _idField = idField;
    }

    /// <summary>Opens (or creates) <paramref name="path"/>; records are keyed by <paramref name="idField"/>.</summary>
    public static async Task<AppendOnlyJsonl> OpenAsync(string path, string idField = "id", CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var stream = new FileStream(full, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1 << 16, useAsync: true);
        var file = new AppendOnlyJsonl(stream, idField);
        try
        {
            await file.LoadAsync(Path.GetFileName(full), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return file;
    }

    private Task LoadAsync(string name, CancellationToken ct)
    {
        // Streamed with a bounded buffer: a line over the limit is named, never held whole.
        _stream.Position = 0;
        long keep = 0;
        using (var reader = new BoundedLineReader(_stream, BoundedLineReader.DefaultMaxLineBytes, leaveOpen: true))
        {
            while (reader.TryReadLine(out var line))
            {
                ct.ThrowIfCancellationRequested();
                if (!line.EndsWithNewline) break; // a torn last line: dropped below
                keep = reader.Consumed;
                if (line.IsBlank) continue;
                if (line.IsTooLong) throw new DataFormatException($"{name}:{line.Number}", line.TooLongReason(BoundedLineReader.DefaultMaxLineBytes));
                try
                {
                    using var doc = JsonDocument.Parse(line.Bytes);
                    if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(_idField, out var id) && id.ValueKind == JsonValueKind.String) _ids.Add(id.GetString()!);
                    else throw new DataFormatException($"{name}:{line.Number}", $"record has no string '{_idField}'");
                }
                catch (JsonException e)
                {
                    throw new DataFormatException($"{name}:{line.Number}", "not a JSON line: " + e.Message, e);
                }
            }
        }
        _stream.SetLength(keep); // drop a torn last line
        _stream.Position = keep;
        return Task.CompletedTask;
    }

    /// <summary>Ids present in the file.</summary>
    public bool Contains(string id)
    {
        _gate.Wait();
        try { return _ids.Contains(id); }
        finally { _gate.Release(); }
    }

    /// <summary>Number of records in the file.</summary>
    public int Count
    {
        get
        {
            _gate.Wait();
            try { return _ids.Count; }
            finally { _gate.Release(); }
        }
    }

    /// <summary>Appends one record (written by <paramref name="write"/> as a JSON object) and flushes it to disk. Returns false when the id is already present.</summary>
    public async Task<bool> AppendAsync(string id, Action<Utf8JsonWriter> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, JsonLines.WriterOptions)) write(w);
        System.Buffers.BuffersExtensions.Write(buffer, "\n"u8);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_ids.Contains(id)) return false;
            // Once started, the line is written whole: cancellation must not tear it.
            await _stream.WriteAsync(buffer.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
            await _stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            _stream.Flush(flushToDisk: true);
            _ids.Add(id);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}
