using System.Text.Json;
using System.Text.Json.Serialization;
using VisionR1.Runtime;

namespace VisionR1.Recipe;

/// <summary>
/// A measured reference run as data, for predicting the wall time of another run on another machine (<see cref="RunBudget"/>):
/// the probe step timed at its start, the seconds one unit of each cost took (a training step of a stage, 1,000 evaluated
/// items…), the seconds that do not scale with the machine, and other measured rates a prediction needs (a filter's keep rate…).
/// A prediction scales every cost by a new probe's seconds over <see cref="ProbeSeconds"/>.
/// </summary>
public sealed record CostReference
{
    /// <summary>A name for messages.</summary>
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    /// <summary>What the reference run was, in one line.</summary>
    [JsonPropertyName("description")]
    public string Description { get; init; } = "";

    /// <summary>The native allocator the reference ran with ("glibc" or "tcmalloc"; <see cref="NativeAllocator"/>).</summary>
    [JsonPropertyName("allocator")]
    public string Allocator { get; init; } = "glibc";

    /// <summary>The precision the reference trained in ("bf16" or "fp32").</summary>
    [JsonPropertyName("dtype")]
    public string Dtype { get; init; } = "bf16";

    /// <summary>Seconds of the probe step measured at the reference run's start.</summary>
    [JsonPropertyName("probe_seconds")]
    public double ProbeSeconds { get; init; }

    /// <summary>Seconds that do not scale with the machine (reported as the part "fixed").</summary>
    [JsonPropertyName("fixed_seconds")]
    public double FixedSeconds { get; init; }

    /// <summary>Seconds one unit of each named cost took.</summary>
    [JsonPropertyName("seconds_per_unit")]
    public IReadOnlyDictionary<string, double> SecondsPerUnit { get; init; } = new Dictionary<string, double>();

    /// <summary>Other measured rates of the reference run, by name.</summary>
    [JsonPropertyName("rates")]
    public IReadOnlyDictionary<string, double> Rates { get; init; } = new Dictionary<string, double>();

    /// <summary>
    /// Predicted seconds of each part of a run: "fixed" first (<see cref="FixedSeconds"/>), then each part of <paramref name="work"/>
    /// in order, the sum of its units × <see cref="SecondsPerUnit"/> of their cost × <paramref name="probeSeconds"/> / <see cref="ProbeSeconds"/>.
    /// </summary>
    /// <exception cref="KeyNotFoundException">A cost this reference did not measure.</exception>
    public IReadOnlyDictionary<string, double> Predict(IEnumerable<(string Part, string Cost, double Units)> work, double probeSeconds)
    {
        ArgumentNullException.ThrowIfNull(work);
        double scale = probeSeconds / ProbeSeconds;
        var parts = new Dictionary<string, double>(StringComparer.Ordinal) { ["fixed"] = FixedSeconds };
        foreach (var (part, cost, units) in work)
        {
            if (!SecondsPerUnit.TryGetValue(cost, out var seconds)) throw new KeyNotFoundException($"The reference '{Name}' has no cost '{cost}'.");
            parts[part] = parts.GetValueOrDefault(part) + units * seconds * scale;
        }
        return parts;
    }

    /// <summary>
    /// The reference for <paramref name="dtype"/> and the allocator serving this process (<see cref="NativeAllocator.LoadedReplacement"/>):
    /// the one with both, else the first with the allocator, else the first.
    /// </summary>
    public static CostReference ForThisProcess(IReadOnlyList<CostReference> references, string dtype)
    {
        ArgumentNullException.ThrowIfNull(references);
        if (references.Count == 0) throw new ArgumentException("No reference to choose from.", nameof(references));
        string allocator = NativeAllocator.LoadedReplacement() is { } lib && lib.Contains("tcmalloc", StringComparison.Ordinal) ? "tcmalloc" : "glibc";
        return references.FirstOrDefault(r => r.Allocator == allocator && r.Dtype == dtype) ?? references.FirstOrDefault(r => r.Allocator == allocator) ?? references[0];
    }

    /// <summary>Reads references from a JSON array of objects with the property names above.</summary>
    /// <exception cref="InvalidDataException">The text holds no array.</exception>
    public static IReadOnlyList<CostReference> FromJson(string json) =>
        JsonSerializer.Deserialize<List<CostReference>>(json) ?? throw new InvalidDataException("Expected a JSON array of cost references.");
}
