using System.Text.Encodings.Web;
using System.Text.Json;

namespace VisionR1.Data.Readers;

/// <summary>Shared JSON settings and field helpers for the line formats.</summary>
internal static class JsonLines
{
    /// <summary>Compact output that keeps non-ASCII text readable.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    /// <summary><paramref name="item"/>, or a malformed item at <paramref name="location"/> when <paramref name="accept"/> says why it cannot be used.</summary>
    public static T Accepted<T>(T item, string location, Func<T, string?>? accept) =>
        accept?.Invoke(item) is { } why ? throw new DataFormatException(location, why) : item;

    /// <summary>
    /// The images named by <paramref name="paths"/>, resolved under <paramref name="dataRoot"/> (a path that leaves it, links
    /// included, is malformed) and, when <paramref name="requireFiles"/>, checked to exist; referenced, not read.
    /// </summary>
    public static List<VisionR1.Problems.ImageRef> Images(IEnumerable<string> paths, string dataRoot, bool requireFiles, string location)
    {
        var images = new List<VisionR1.Problems.ImageRef>();
        foreach (var rel in paths)
        {
            string full;
            try { full = DataRoot.Resolve(dataRoot, rel); }
            catch (ArgumentException ex) { throw new DataFormatException(location, ex.Message); }
            if (requireFiles && !File.Exists(full)) throw new DataFormatException(location, $"image file '{rel}' not found under '{dataRoot}'");
            images.Add(new VisionR1.Problems.ImageRef(full, null));
        }
        return images;
    }

    public static bool TryGet(JsonElement obj, string name, out JsonElement value)
    {
        if (obj.TryGetProperty(name, out value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)) return true;
        value = default;
        return false;
    }

    /// <summary>The first present field among <paramref name="names"/> as text (numbers are written as in the file).</summary>
    public static string? String(JsonElement obj, params string[] names)
    {
        foreach (var n in names)
            if (TryGet(obj, n, out var v))
                return v.ValueKind switch
                {
                    JsonValueKind.String => v.GetString(),
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.GetRawText(),
                    _ => throw new FormatException($"field '{n}' must be a string, got {v.ValueKind}"),
                };
        return null;
    }

    public static string RequireString(JsonElement obj, params string[] names) =>
        String(obj, names) ?? throw new FormatException($"missing field '{string.Join("' or '", names)}'");

    public static int? Int(JsonElement obj, string name)
    {
        if (!TryGet(obj, name, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && double.IsFinite(d)) return (int)Math.Truncate(d);
        if (v.ValueKind == JsonValueKind.String && int.TryParse(v.GetString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var i)) return i;
        throw new FormatException($"field '{name}' must be an integer, got {v.GetRawText()}");
    }

    public static List<string>? StringList(JsonElement obj, string name)
    {
        if (!TryGet(obj, name, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Array) throw new FormatException($"field '{name}' must be a list");
        var list = new List<string>();
        foreach (var e in v.EnumerateArray())
            list.Add(e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText());
        return list;
    }

    public static Dictionary<string, string>? StringMap(JsonElement obj, string name)
    {
        if (!TryGet(obj, name, out var v)) return null;
        if (v.ValueKind != JsonValueKind.Object) throw new FormatException($"field '{name}' must be an object");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in v.EnumerateObject())
            map[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        return map;
    }
}
