using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VisionR1.Model.Config;

/// <summary>
/// Typed reads of <c>config.json</c> fields shared by the model configurations: each names the field in its
/// <see cref="ModelConfigException"/> when the value is missing or has the wrong type.
/// </summary>
internal static class ConfigJson
{
    /// <summary>
    /// Reads <c>config.json</c> from a file or a model folder and parses it with <paramref name="parse"/>; a
    /// <see cref="ModelConfigException"/> is rethrown with the file's path added.
    /// </summary>
    internal static T ReadFile<T>(string pathOrDirectory, Func<string, T> parse)
    {
        var path = Directory.Exists(pathOrDirectory) ? Path.Combine(pathOrDirectory, "config.json") : pathOrDirectory;
        if (!File.Exists(path)) throw new FileNotFoundException($"No config.json at {path}.", path);
        try
        {
            return parse(File.ReadAllText(path));
        }
        catch (ModelConfigException e)
        {
            throw new ModelConfigException(e.Field, $"{e.Detail} (in {path})", e);
        }
    }

    /// <summary>The JSON object of config.json text; malformed JSON or a non-object is reported as field "(root)".</summary>
    internal static JsonObject ParseRoot(string json)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject ?? throw new ModelConfigException("(root)", "config.json must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw new ModelConfigException("(root)", $"config.json is not valid JSON: {e.Message}", e);
        }
    }

    internal static int Int(JsonNode? node, string field) =>
        node is null ? throw new ModelConfigException(field, "is required.") : IntOr(node, field, 0);

    internal static int IntOr(JsonNode? node, string field, int fallback)
    {
        if (node is null) return fallback;
        if (node is JsonValue jv && jv.TryGetValue<long>(out var l) && l is >= int.MinValue and <= int.MaxValue) return (int)l;
        if (node is JsonValue jd && jd.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue) return (int)d;
        throw new ModelConfigException(field, $"expects an integer, got {node.ToJsonString()}.");
    }

    internal static int EosId(JsonNode? node, int fallback) =>
        node is JsonArray a ? (a.Count > 0 ? IntOr(a[0], "eos_token_id", fallback) : throw new ModelConfigException("eos_token_id", "is an empty list.")) : IntOr(node, "eos_token_id", fallback);

    internal static double DoubleOr(JsonNode? node, string field, double fallback)
    {
        if (node is null) return fallback;
        if (node is JsonValue jv && jv.TryGetValue<double>(out var d)) return d;
        if (node is JsonValue js && js.TryGetValue<string>(out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var p)) return p;
        throw new ModelConfigException(field, $"expects a number, got {node.ToJsonString()}.");
    }

    internal static bool BoolOr(JsonNode? node, string field, bool fallback)
    {
        if (node is null) return fallback;
        if (node is JsonValue jv && jv.TryGetValue<bool>(out var b)) return b;
        throw new ModelConfigException(field, $"expects true or false, got {node.ToJsonString()}.");
    }

    internal static string StringOr(JsonNode? node, string field, string fallback)
    {
        if (node is null) return fallback;
        if (node is JsonValue jv && jv.TryGetValue<string>(out var s)) return s;
        throw new ModelConfigException(field, $"expects a string, got {node.ToJsonString()}.");
    }

    internal static IReadOnlyList<int> IntList(JsonNode node, string field) =>
        node is JsonArray a
            ? a.Select((n, i) => IntOr(n ?? throw new ModelConfigException($"{field}[{i}]", "is null."), $"{field}[{i}]", 0)).ToArray()
            : throw new ModelConfigException(field, $"expects a list of integers, got {node.ToJsonString()}.");
}
