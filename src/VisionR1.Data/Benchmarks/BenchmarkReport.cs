using System.Text;

namespace VisionR1.Data.Benchmarks;

/// <summary>The score of one benchmark run: overall accuracy and per-category breakdowns, each with its confidence interval.</summary>
/// <param name="Benchmark">The benchmark's name.</param>
/// <param name="Overall">Accuracy over all items.</param>
/// <param name="Breakdown">For each category key (e.g. <c>source</c>, <c>skills</c>), the accuracy of each of its values.</param>
public sealed record BenchmarkReport(
    string Benchmark,
    AccuracyEstimate Overall,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, AccuracyEstimate>> Breakdown)
{
    /// <summary>A readable multi-line table.</summary>
    public string ToText()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{Benchmark}: {Overall}");
        foreach (var (key, values) in Breakdown)
        {
            sb.AppendLine($"  by {key}:");
            foreach (var (value, est) in values.OrderByDescending(v => v.Value.Accuracy).ThenBy(v => v.Key, StringComparer.Ordinal))
                sb.AppendLine($"    {value,-32} {est}");
        }
        return sb.ToString();
    }
}

/// <summary>Counts correct items overall and per category value, then builds a <see cref="BenchmarkReport"/>.</summary>
public sealed class AccuracyTally
{
    private readonly Dictionary<string, Dictionary<string, (long Correct, long Total)>> _byKey = new(StringComparer.Ordinal);
    private long _correct, _total;

    /// <summary>Adds one scored item with the category values it belongs to (an item may have several values for a key, e.g. skills).</summary>
    public void Add(bool correct, IEnumerable<KeyValuePair<string, string>>? categories = null)
    {
        _total++;
        if (correct) _correct++;
        foreach (var (key, value) in categories ?? [])
        {
            if (!_byKey.TryGetValue(key, out var values)) _byKey[key] = values = new(StringComparer.Ordinal);
            values.TryGetValue(value, out var c);
            values[value] = (c.Correct + (correct ? 1 : 0), c.Total + 1);
        }
    }

    /// <summary>Items added so far.</summary>
    public long Total => _total;

    /// <summary>Correct items so far.</summary>
    public long Correct => _correct;

    /// <summary>The report at <paramref name="confidence"/> (0.95 by default).</summary>
    public BenchmarkReport ToReport(string benchmark, double confidence = 0.95) => new(
        benchmark,
        AccuracyEstimate.FromCounts(_correct, _total, confidence),
        _byKey.OrderBy(k => k.Key, StringComparer.Ordinal).ToDictionary(
            k => k.Key,
            k => (IReadOnlyDictionary<string, AccuracyEstimate>)k.Value.ToDictionary(v => v.Key, v => AccuracyEstimate.FromCounts(v.Value.Correct, v.Value.Total, confidence), StringComparer.Ordinal),
            StringComparer.Ordinal));
}
