using System.Text.Json;
using System.Text.Json.Serialization;
using VisionR1.Problems;

namespace VisionR1.Data.Benchmarks;

/// <summary>Accuracy of one model on one group of items.</summary>
/// <param name="Group">The group's value (e.g. "bars", or "2" steps).</param>
/// <param name="Items">Items of the group the model answered.</param>
/// <param name="Correct">Of those, the ones judged correct.</param>
public sealed record GroupAccuracy(
    [property: JsonPropertyName("group")] string Group,
    [property: JsonPropertyName("items")] int Items,
    [property: JsonPropertyName("correct")] int Correct)
{
    /// <summary>Correct / Items.</summary>
    [JsonPropertyName("accuracy")]
    public double Accuracy => Items == 0 ? 0 : (double)Correct / Items;
}

/// <summary>
/// Per-item verdicts of evaluated models, read from prediction files (one JSON object per line with <c>id</c> and
/// <c>correct</c>, as <c>LocalEvaluator</c> and <c>vr1 eval</c> write them), grouped by a metadata field of the problems,
/// and compared pairwise (<see cref="PairedComparison"/>).
/// </summary>
public static class VerdictBreakdown
{
    /// <summary>Reads <c>id → correct</c> from a predictions file.</summary>
    /// <exception cref="InvalidDataException">A line is not an object with a string <c>id</c> and a boolean <c>correct</c> (the message names file:line), or an id repeats.</exception>
    public static Dictionary<string, bool> ReadVerdicts(string predictionsPath)
    {
        ArgumentNullException.ThrowIfNull(predictionsPath);
        var verdicts = new Dictionary<string, bool>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (var line in File.ReadLines(predictionsPath))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string where = $"{predictionsPath}:{lineNumber}";
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object
                    || !root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String
                    || !root.TryGetProperty("correct", out var correct) || correct.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    throw new InvalidDataException($"{where}: expected an object with a string 'id' and a boolean 'correct'.");
                if (!verdicts.TryAdd(id.GetString()!, correct.GetBoolean()))
                    throw new InvalidDataException($"{where}: item '{id.GetString()}' appears twice.");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{where}: not JSON ({e.Message}).", e);
            }
        }
        return verdicts;
    }

    /// <summary>Accuracy per value of each of <paramref name="metadataKeys"/> (see <see cref="ByMetadata(IReadOnlyList{MathProblem}, IReadOnlyDictionary{string, bool}, string)"/>), keyed by the key.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<GroupAccuracy>> ByMetadata(IReadOnlyList<MathProblem> problems, IReadOnlyDictionary<string, bool> verdicts, params string[] metadataKeys)
    {
        ArgumentNullException.ThrowIfNull(metadataKeys);
        return metadataKeys.ToDictionary(k => k, k => ByMetadata(problems, verdicts, k), StringComparer.Ordinal);
    }

    /// <summary>
    /// Accuracy per value of <paramref name="metadataKey"/> over <paramref name="problems"/> (items without the key fall in
    /// group "-"), groups in ordinal order; items the verdicts lack are left out.
    /// </summary>
    public static IReadOnlyList<GroupAccuracy> ByMetadata(IReadOnlyList<MathProblem> problems, IReadOnlyDictionary<string, bool> verdicts, string metadataKey)
    {
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(verdicts);
        ArgumentNullException.ThrowIfNull(metadataKey);
        return problems
            .Where(p => verdicts.ContainsKey(p.Id))
            .GroupBy(p => p.Metadata?.GetValueOrDefault(metadataKey) ?? "-", StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new GroupAccuracy(g.Key, g.Count(), g.Count(p => verdicts[p.Id])))
            .ToList();
    }
}
