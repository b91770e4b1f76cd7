using System.Text.Json.Serialization;

namespace VisionR1.Data.Synthetic;

/// <summary>
/// A vertical bar chart on a grid with one line per integer (the <see cref="WorldFamily.Bars"/>
/// family). Bars stand in fixed slots left to right (A in the first slot, B in the second, ...),
/// so a bar's label is also its position.
/// </summary>
/// <param name="Bars">The bars, left to right.</param>
/// <param name="AxisMax">The value at the top grid line (the same for every chart of a data set, so pixel height means the same value everywhere).</param>
public sealed record BarChartScene(IReadOnlyList<SceneBar> Bars, int AxisMax) : SyntheticScene
{
    /// <summary>Number of bar slots across the chart.</summary>
    public const int Slots = 4;

    /// <inheritdoc />
    [JsonIgnore]
    public override WorldFamily Family => WorldFamily.Bars;

    /// <summary>The value fact of bar <paramref name="index"/> ("bar A has a value of 5").</summary>
    public SceneFact BarFact(int index) => new(FactKind.BarValue, Bars[index].Subject, Bars[index].Value);

    /// <summary>One value fact per bar, left to right.</summary>
    public override IReadOnlyList<SceneFact> BasicFacts() => Enumerable.Range(0, Bars.Count).Select(BarFact).ToList();

    /// <inheritdoc />
    public override string Caption() =>
        $"The image shows a bar chart with {FactText.N(Bars.Count)} bars: " + FactText.JoinAnd(BasicFacts().Select(FactText.Compact).ToList()) + ".";
}
