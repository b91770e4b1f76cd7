using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VisionR1.Trainer.Pipeline;

namespace VisionR1.Trainer.Cli;

/// <summary>
/// Applies <c>Name=Value</c> overrides (from <c>vr1 pipeline --set</c>) to a <see cref="PipelineOptions"/>:
/// <c>TrainItems=6000</c>, <c>GrpoLearningRate=3e-4</c>, <c>Difficulty.MaxShapes=4</c>. Names are the option
/// properties (case-insensitive, dotted for nested records); values are JSON scalars, or plain text for strings.
/// </summary>
public static class PipelineOverrides
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = false };

    /// <summary>Names that cannot be set this way (they have their own command-line options).</summary>
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        nameof(PipelineOptions.OutputDirectory), nameof(PipelineOptions.Seed), nameof(PipelineOptions.Device), nameof(PipelineOptions.IsQuick),
        nameof(PipelineOptions.Variants), nameof(PipelineOptions.Bf16), nameof(PipelineOptions.Until),
    };

    /// <summary>Returns <paramref name="options"/> with every override applied.</summary>
    /// <exception cref="ArgumentException">An override is malformed, names no settable option, or has a value of the wrong type; the message names it.</exception>
    public static PipelineOptions Apply(PipelineOptions options, IEnumerable<string> overrides)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(overrides);
        var list = overrides.ToList();
        if (list.Count == 0) return options;
        var root = JsonSerializer.SerializeToNode(options, Json)!.AsObject();
        foreach (var item in list)
        {
            int eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == item.Length - 1) throw new ArgumentException($"Override '{item}' is not Name=Value.");
            var path = item[..eq].Trim().Split('.');
            var text = item[(eq + 1)..].Trim();
            if (Reserved.Contains(path[0])) throw new ArgumentException($"Override '{item}': {path[0]} has its own command-line option.");
            JsonObject target = root;
            for (int i = 0; i < path.Length; i++)
            {
                var key = target.Select(kv => kv.Key).FirstOrDefault(k => string.Equals(k, path[i], StringComparison.OrdinalIgnoreCase))
                    ?? throw new ArgumentException($"Override '{item}': no option '{string.Join('.', path[..(i + 1)])}'. Options: {string.Join(", ", target.Select(kv => kv.Key))}.");
                if (i < path.Length - 1)
                {
                    target = target[key] as JsonObject ?? throw new ArgumentException($"Override '{item}': '{key}' has no fields.");
                    continue;
                }
                var old = target[key];
                if (old is JsonObject or JsonArray) throw new ArgumentException($"Override '{item}': '{key}' is not a single value.");
                target[key] = ParseValue(item, text, old);
            }
        }
        try
        {
            return root.Deserialize<PipelineOptions>(Json) ?? throw new ArgumentException("The overrides produced no options.");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"Overrides {string.Join(" ", list)}: {e.Message}", e);
        }
    }

    private static JsonNode? ParseValue(string item, string text, JsonNode? old)
    {
        var kind = old?.GetValueKind();
        if (kind is JsonValueKind.String or null) return JsonValue.Create(text);
        if (kind is JsonValueKind.True or JsonValueKind.False)
        {
            if (bool.TryParse(text, out var b)) return JsonValue.Create(b);
            throw new ArgumentException($"Override '{item}': expected true or false.");
        }
        // The number keeps its literal form ("6000", "3e-4"), so the options' own types decide what it may be.
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
        {
            try
            {
                if (JsonNode.Parse(text) is JsonValue number && number.GetValueKind() == JsonValueKind.Number) return number;
            }
            catch (JsonException)
            {
                // ".5" or "1." parse as doubles but are not JSON numbers: written out below.
            }
            return JsonValue.Create(d);
        }
        throw new ArgumentException($"Override '{item}': expected a number.");
    }
}
