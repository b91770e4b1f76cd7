using System.Globalization;
using System.Text.Json.Serialization;
using MathNet.Numerics.Distributions;

namespace VisionR1.Data.Benchmarks;

/// <summary>
/// Two models compared on the same items: how many items the first answers that the second misses (<see cref="Gained"/>)
/// and the reverse (<see cref="Lost"/>), with the exact (binomial) McNemar test of "neither is better". Items both answer
/// or both miss carry no information about the difference and do not enter the test.
/// </summary>
/// <param name="Items">Items both models answered.</param>
/// <param name="Gained">Items the first model gets right and the second wrong.</param>
/// <param name="Lost">Items the first model gets wrong and the second right.</param>
/// <param name="PValue">Two-sided exact McNemar p-value: 2·P(X ≤ min(b, c)) for X ~ Binomial(b + c, ½), at most 1.</param>
public sealed record PairedComparison(
    [property: JsonPropertyName("items")] int Items,
    [property: JsonPropertyName("gained")] int Gained,
    [property: JsonPropertyName("lost")] int Lost,
    [property: JsonPropertyName("p_value")] double PValue)
{
    /// <summary>The first model's name, when the comparison was made between named models (<see cref="AllPairs"/>).</summary>
    [JsonPropertyName("first")]
    public string? First { get; init; }

    /// <summary>The second model's name, when named.</summary>
    [JsonPropertyName("second")]
    public string? Second { get; init; }

    /// <summary>
    /// Every model against each one before it in <paramref name="models"/> (in order: the second against the first, the third
    /// against the first and the second, ...), paired by item id.
    /// </summary>
    public static IReadOnlyList<PairedComparison> AllPairs(IReadOnlyList<(string Name, IReadOnlyDictionary<string, bool> Verdicts)> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        var list = new List<PairedComparison>();
        for (int i = 0; i < models.Count; i++)
            for (int j = 0; j < i; j++)
                list.Add(Of(models[i].Verdicts, models[j].Verdicts) with { First = models[i].Name, Second = models[j].Name });
        return list;
    }

    /// <summary>(Gained − Lost) / Items: the first model's accuracy minus the second's.</summary>
    [JsonIgnore]
    public double Difference => Items == 0 ? 0 : (double)(Gained - Lost) / Items;

    /// <summary>Compares per-item verdicts (the same items in the same order).</summary>
    /// <exception cref="ArgumentException">The lists differ in length.</exception>
    public static PairedComparison Of(IReadOnlyList<bool> first, IReadOnlyList<bool> second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.Count != second.Count)
            throw new ArgumentException($"Paired verdicts need the same items: {first.Count} against {second.Count}.", nameof(second));
        int gained = 0, lost = 0;
        for (int i = 0; i < first.Count; i++)
        {
            if (first[i] && !second[i]) gained++;
            else if (!first[i] && second[i]) lost++;
        }
        return new PairedComparison(first.Count, gained, lost, ExactMcNemar(gained, lost));
    }

    /// <summary>
    /// Compares verdicts keyed by item id over the ids both have (e.g. two predictions files).
    /// </summary>
    /// <exception cref="ArgumentException">The two have no item in common.</exception>
    public static PairedComparison Of(IReadOnlyDictionary<string, bool> first, IReadOnlyDictionary<string, bool> second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var ids = first.Keys.Where(second.ContainsKey).Order(StringComparer.Ordinal).ToList();
        if (ids.Count == 0 && (first.Count > 0 || second.Count > 0))
            throw new ArgumentException("The two sets of verdicts have no item id in common.", nameof(second));
        return Of(ids.Select(id => first[id]).ToList(), ids.Select(id => second[id]).ToList());
    }

    /// <summary>The two-sided exact McNemar p-value for <paramref name="gained"/> and <paramref name="lost"/> discordant items (1 when there are none).</summary>
    public static double ExactMcNemar(int gained, int lost)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(gained);
        ArgumentOutOfRangeException.ThrowIfNegative(lost);
        int n = gained + lost;
        if (n == 0) return 1;
        double tail = Binomial.CDF(0.5, n, Math.Min(gained, lost));
        return Math.Min(1, 2 * tail);
    }

    /// <summary>E.g. <c>+6.2 points (gained 120, lost 58 of 1000; McNemar p = 4.1e-06)</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Difference * 100:+0.0;-0.0;0.0} points (gained {Gained}, lost {Lost} of {Items}; McNemar p = {FormatP(PValue)})");

    /// <summary>A p-value in 3 significant digits, scientific below 0.001.</summary>
    public static string FormatP(double p) => p < 1e-3
        ? p.ToString("0.0e+00", CultureInfo.InvariantCulture)
        : p.ToString("0.###", CultureInfo.InvariantCulture);
}
