namespace VisionR1.Data.Synthetic;

/// <summary>Settings of a synthetic visual-math world.</summary>
public sealed record SyntheticWorldOptions
{
    /// <summary>The seed; the same seed gives the same items, image bytes included.</summary>
    public long Seed { get; init; }

    /// <summary>Image side in pixels. 168 = 12 patches of 14 px, 6×6 tokens after Qwen2.5-VL's 2×2 merge.</summary>
    public int ImageSize { get; init; } = 168;

    /// <summary>The task families to draw from, in rotation (item i uses family i mod count).</summary>
    public IReadOnlyList<WorldFamily> Families { get; init; } = [WorldFamily.Shapes, WorldFamily.Bars, WorldFamily.Geometry];

    /// <summary>Object counts and value ranges.</summary>
    public SyntheticDifficulty Difficulty { get; init; } = SyntheticDifficulty.Default;

    /// <summary>
    /// Share of items that must combine facts (<see cref="SyntheticTask.Steps"/> ≥ 2), spread evenly over the items; the rest
    /// read a single fact. Null (the default) keeps the families' natural mix (about a third single-fact items).
    /// </summary>
    public double? MultiStepShare { get; init; }

    /// <summary>Prefix of item ids ("world" gives "world-train-s0-000000").</summary>
    public string IdPrefix { get; init; } = "world";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (ImageSize is < SceneRenderer.MinSize or > SceneRenderer.MaxSize)
            throw new ArgumentException($"SyntheticWorldOptions.ImageSize must be between {SceneRenderer.MinSize} and {SceneRenderer.MaxSize} pixels, got {ImageSize}.", nameof(ImageSize));
        if (Families is null || Families.Count == 0)
            throw new ArgumentException("SyntheticWorldOptions.Families must name at least one family.", nameof(Families));
        foreach (var f in Families)
            if (!Enum.IsDefined(f)) throw new ArgumentException($"SyntheticWorldOptions.Families has an unknown family {(int)f}.", nameof(Families));
        if (string.IsNullOrWhiteSpace(IdPrefix) || IdPrefix.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            throw new ArgumentException($"SyntheticWorldOptions.IdPrefix must be ASCII letters, digits, '-' or '_', got '{IdPrefix}'.", nameof(IdPrefix));
        if (MultiStepShare is { } share && !(share >= 0 && share <= 1))
            throw new ArgumentException($"SyntheticWorldOptions.MultiStepShare must be between 0 and 1, got {share}.", nameof(MultiStepShare));
        ArgumentNullException.ThrowIfNull(Difficulty);
        Difficulty.Validate();
    }
}
