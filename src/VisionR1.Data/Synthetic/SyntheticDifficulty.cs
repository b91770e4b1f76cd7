namespace VisionR1.Data.Synthetic;

/// <summary>
/// Difficulty knobs of the synthetic world: object counts and value ranges. The defaults suit
/// a tiny model at 112–168 px (objects about two 14-px patches wide, single-digit values).
/// </summary>
public sealed record SyntheticDifficulty
{
    /// <summary>Fewest shapes in a shapes scene.</summary>
    public int MinShapes { get; init; } = 2;

    /// <summary>Most shapes in a shapes scene (at most 12: shapes sit in distinct cells of a 4×4 grid).</summary>
    public int MaxShapes { get; init; } = 7;

    /// <summary>Most distinct colours in a shapes scene (2–4).</summary>
    public int MaxColors { get; init; } = 3;

    /// <summary>Fewest bars in a chart (at least 2).</summary>
    public int MinBars { get; init; } = 2;

    /// <summary>Most bars in a chart (at most 4).</summary>
    public int MaxBars { get; init; } = 4;

    /// <summary>Largest bar value, also the chart's top grid line (2–9).</summary>
    public int MaxBarValue { get; init; } = 8;

    /// <summary>Shortest labelled side length (at least 1).</summary>
    public int MinSide { get; init; } = 2;

    /// <summary>Longest labelled side length (at most 9).</summary>
    public int MaxSide { get; init; } = 6;

    /// <summary>Fewer objects and smaller values.</summary>
    public static SyntheticDifficulty Easy { get; } = new() { MaxShapes = 5, MaxColors = 2, MaxBars = 3, MaxBarValue = 5, MaxSide = 4 };

    /// <summary>The defaults.</summary>
    public static SyntheticDifficulty Default { get; } = new();

    /// <summary>More objects and larger values.</summary>
    public static SyntheticDifficulty Hard { get; } = new() { MaxShapes = 10, MaxColors = 4, MaxBarValue = 9, MaxSide = 9 };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first knob out of range.</summary>
    public void Validate()
    {
        Check(MinShapes is >= 1 and <= 12, nameof(MinShapes), "must be between 1 and 12");
        Check(MaxShapes >= MinShapes && MaxShapes <= 12, nameof(MaxShapes), $"must be between {nameof(MinShapes)} and 12");
        Check(MaxColors is >= 2 and <= 4, nameof(MaxColors), "must be between 2 and 4");
        Check(MinBars is >= 2 and <= BarChartScene.Slots, nameof(MinBars), $"must be between 2 and {BarChartScene.Slots}");
        Check(MaxBars >= MinBars && MaxBars <= BarChartScene.Slots, nameof(MaxBars), $"must be between {nameof(MinBars)} and {BarChartScene.Slots}");
        Check(MaxBarValue is >= 2 and <= 9, nameof(MaxBarValue), "must be between 2 and 9");
        Check(MinSide is >= 1 and <= 9, nameof(MinSide), "must be between 1 and 9");
        Check(MaxSide >= MinSide + 1 && MaxSide <= 9, nameof(MaxSide), $"must be between {nameof(MinSide)} + 1 and 9");
    }

    private static void Check(bool ok, string name, string rule)
    {
        if (!ok) throw new ArgumentException($"SyntheticDifficulty.{name} {rule}.", name);
    }
}
