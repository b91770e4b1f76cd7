using System.Text.Json;
using static TorchSharp.torch;
using VisionR1.IO;

namespace VisionR1.Model.Checkpoints;

/// <summary>
/// A read-only safetensors file: an 8-byte little-endian header length, a JSON header
/// (name → dtype, shape, data_offsets; optional <c>__metadata__</c>) and the data section.
/// The header is validated completely when the file is opened (lengths, offsets inside the
/// file, dtypes, byte counts matching shapes, no overlaps), so a crafted or truncated file
/// fails with a <see cref="CheckpointException"/> before any tensor memory is allocated.
/// Tensors are read straight into TorchSharp memory one at a time.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>Largest header accepted (100 MB, as the reference implementation).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private readonly FileStream _stream;
    private readonly long _dataStart;

    private SafetensorsFile(string path, FileStream stream, long dataStart, Dictionary<string, SafetensorsEntry> entries, Dictionary<string, string> metadata)
    {
        Path = path;
        _stream = stream;
        _dataStart = dataStart;
        Entries = entries;
        Metadata = metadata;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The tensors in the file, by name.</summary>
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }

    /// <summary>The <c>__metadata__</c> strings (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens and validates <paramref name="path"/>.</summary>
    /// <exception cref="CheckpointException">The file is malformed; the message names the file and the entry.</exception>
    public static SafetensorsFile Open(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors reading needs a little-endian machine.");
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            long fileLength = stream.Length;
            if (fileLength < 8) throw new CheckpointException($"{path}: {fileLength} bytes is too short for a safetensors file (needs an 8-byte header length).");
            Span<byte> lengthBytes = stackalloc byte[8];
            stream.ReadExactly(lengthBytes);
            ulong headerLength = BitConverter.ToUInt64(lengthBytes);
            if (headerLength < 2 || headerLength > MaxHeaderBytes || headerLength > (ulong)(fileLength - 8))
                throw new CheckpointException($"{path}: header length {headerLength} is out of range (file is {fileLength} bytes, limit {MaxHeaderBytes}).");
            var header = new byte[headerLength];
            stream.ReadExactly(header);
            long dataStart = 8 + (long)headerLength;
            var (entries, metadata) = ParseHeader(path, header, fileLength - dataStart);
            return new SafetensorsFile(path, stream, dataStart, entries, metadata);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static (Dictionary<string, SafetensorsEntry>, Dictionary<string, string>) ParseHeader(string path, byte[] header, long dataLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: the header is not valid JSON ({e.Message}).", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new CheckpointException($"{path}: the header must be a JSON object.");
            var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object) throw new CheckpointException($"{path}: __metadata__ must be an object of strings.");
                    foreach (var m in prop.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : throw new CheckpointException($"{path}: __metadata__.{m.Name} must be a string.");
                    continue;
                }
                entries[prop.Name] = ParseEntry(path, prop.Name, prop.Value, dataLength);
            }
            // No two tensors may share bytes.
            var ordered = entries.Values.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ToList();
            for (int i = 1; i < ordered.Count; i++)
                if (ordered[i].Begin < ordered[i - 1].End)
                    throw new CheckpointException($"{path}: tensors '{ordered[i - 1].Name}' and '{ordered[i].Name}' overlap in the data section.");
            return (entries, metadata);
        }
    }

    private static SafetensorsEntry ParseEntry(string path, string name, JsonElement e, long dataLength)
    {
        string Where() => $"{path}: tensor '{name}'";
        if (e.ValueKind != JsonValueKind.Object) throw new CheckpointException($"{Where()} must be described by an object.");
        if (!e.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String) throw new CheckpointException($"{Where()} has no dtype string.");
        var dtype = dt.GetString()!;
        if (!SafetensorsDTypes.TryParse(dtype, out var type, out var size)) throw new CheckpointException($"{Where()} has unsupported dtype '{dtype}'.");
        if (!e.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array) throw new CheckpointException($"{Where()} has no shape list.");
        var shape = new List<long>();
        long numel = 1;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var v) || v < 0) throw new CheckpointException($"{Where()} has an invalid dimension {d}.");
            shape.Add(v);
            try
            {
                numel = checked(numel * v);
            }
            catch (OverflowException)
            {
                throw new CheckpointException($"{Where()} has a shape whose element count overflows.");
            }
        }
        if (!e.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw new CheckpointException($"{Where()} needs data_offsets [begin, end].");
        if (!off[0].TryGetInt64(out var begin) || !off[1].TryGetInt64(out var end) || begin < 0 || end < begin)
            throw new CheckpointException($"{Where()} has invalid data_offsets {off}.");
        if (end > dataLength) throw new CheckpointException($"{Where()} ends at byte {end}, past the end of the data section ({dataLength} bytes); the file is truncated or crafted.");
        long bytes;
        try
        {
            bytes = checked(numel * size);
        }
        catch (OverflowException)
        {
            throw new CheckpointException($"{Where()} is too large.");
        }
        if (end - begin != bytes) throw new CheckpointException($"{Where()} spans {end - begin} bytes but dtype {dtype} × shape [{string.Join(", ", shape)}] needs {bytes}.");
        return new SafetensorsEntry(name, dtype, type, shape.ToArray(), begin, end);
    }

    /// <summary>Reads a tensor into a new CPU tensor of its stored dtype and shape.</summary>
    public Tensor Read(string name)
    {
        if (!Entries.TryGetValue(name, out var entry)) throw new CheckpointException($"{Path}: no tensor named '{name}'.");
        var result = empty(entry.Shape, entry.ScalarType, CPU);
        try
        {
            ReadBytes(entry, result);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads a tensor straight into <paramref name="destination"/>, a contiguous CPU tensor of the stored dtype and element
    /// count (e.g. a model parameter), so no second copy is allocated.
    /// </summary>
    /// <exception cref="ArgumentException">The destination is not a contiguous CPU tensor of the entry's dtype and size.</exception>
    public void ReadInto(string name, Tensor destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!Entries.TryGetValue(name, out var entry)) throw new CheckpointException($"{Path}: no tensor named '{name}'.");
        if (destination.device_type != TorchSharp.DeviceType.CPU || destination.dtype != entry.ScalarType || !destination.is_contiguous() || destination.numel() != entry.ElementCount)
            throw new ArgumentException($"Tensor '{name}' ({entry.DType}, {entry.ElementCount} elements) can only be read into a contiguous CPU tensor of that dtype and size.", nameof(destination));
        ReadBytes(entry, destination);
    }

    private void ReadBytes(SafetensorsEntry entry, Tensor destination)
    {
        long numel = entry.ElementCount;
        if (numel == 0) return;
        int size = SafetensorsDTypes.SizeOf(entry.ScalarType);
        long chunk = Math.Max(1, (256L << 20) / size); // 256 MB per read
        using var flat = destination.view(-1);
        _stream.Seek(_dataStart + entry.Begin, SeekOrigin.Begin);
        for (long start = 0; start < numel; start += chunk)
        {
            long count = Math.Min(chunk, numel - start);
            using var part = flat.narrow(0, start, count);
            try
            {
                _stream.ReadExactly(part.bytes);
            }
            catch (EndOfStreamException e)
            {
                throw new CheckpointException($"{Path}: tensor '{entry.Name}' is truncated.", e);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    /// <summary>
    /// Writes tensors to <paramref name="path"/> in safetensors format (names sorted, header padded
    /// to 8 bytes, <c>__metadata__</c> {"format": "pt"} plus <paramref name="metadata"/>), atomically
    /// through a temporary file.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors writing needs a little-endian machine.");
        var items = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var dup = items.GroupBy(kv => kv.Key).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"Tensor name '{dup.Key}' appears twice.", nameof(tensors));

        using var headerStream = new MemoryStream();
        using (var w = new Utf8JsonWriter(headerStream))
        {
            w.WriteStartObject();
            w.WritePropertyName("__metadata__");
            w.WriteStartObject();
            w.WriteString("format", "pt");
            if (metadata is not null)
                foreach (var (k, v) in metadata.Where(kv => kv.Key != "format")) w.WriteString(k, v);
            w.WriteEndObject();
            long offset = 0;
            foreach (var (name, t) in items)
            {
                long bytes = t.numel() * SafetensorsDTypes.SizeOf(t.dtype);
                w.WritePropertyName(name);
                w.WriteStartObject();
                w.WriteString("dtype", SafetensorsDTypes.NameOf(t.dtype));
                w.WriteStartArray("shape");
                foreach (var d in t.shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        var header = headerStream.ToArray().ToList();
        while (header.Count % 8 != 0) header.Add((byte)' ');

        AtomicFile.Write(path, fs =>
        {
            fs.Write(BitConverter.GetBytes((ulong)header.Count));
            fs.Write(header.ToArray());
            foreach (var (_, t) in items)
            {
                if (t.numel() == 0) continue;
                using var cpu = t.detach().to(CPU).contiguous();
                using var flat = cpu.view(-1);
                long chunk = Math.Max(1, (256L << 20) / SafetensorsDTypes.SizeOf(t.dtype));
                for (long start = 0; start < flat.numel(); start += chunk)
                {
                    using var part = flat.narrow(0, start, Math.Min(chunk, flat.numel() - start));
                    fs.Write(part.bytes);
                }
            }
        });
    }
}
