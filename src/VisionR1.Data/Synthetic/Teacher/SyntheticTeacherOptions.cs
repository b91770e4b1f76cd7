namespace VisionR1.Data.Synthetic;

/// <summary>
/// Settings of the <see cref="SyntheticTeacherChatClient"/>. The paper publishes no error rates
/// for its teachers; the defaults make about a fifth of the chains faulty so a filter visibly
/// removes something, while most of the data stays usable.
/// </summary>
public sealed record SyntheticTeacherOptions
{
    /// <summary>Seed of the teacher's choices (phrasing and faults); replies are a function of the seed, the item id, the step and the request text.</summary>
    public long Seed { get; init; }

    /// <summary>Probability that a description misstates one needed fact (<see cref="SyntheticTeacherFault.DescriptionMiscount"/>).</summary>
    public double DescriptionMiscountRate { get; init; } = 0.04;

    /// <summary>Probability of a wrong count leading to a wrong final answer in the reasoning (<see cref="SyntheticTeacherFault.WrongCount"/>).</summary>
    public double WrongCountRate { get; init; } = 0.06;

    /// <summary>Probability that the thinking's conclusion and the answer tag disagree (<see cref="SyntheticTeacherFault.Inconsistent"/>).</summary>
    public double InconsistentRate { get; init; } = 0.04;

    /// <summary>Probability of a reasoning cut off without closing tags (<see cref="SyntheticTeacherFault.Truncated"/>).</summary>
    public double TruncationRate { get; init; } = 0.03;

    /// <summary>Probability of a degenerate repetition loop (<see cref="SyntheticTeacherFault.Repetition"/>).</summary>
    public double RepetitionRate { get; init; } = 0.03;

    /// <summary>
    /// Most extra re-checks in a reasoning chain beyond the first (0–4, uniformly drawn per chain; 0 keeps every chain
    /// to one re-check). Extra re-checks restate facts already read ("Wait, let me recount …"): the long, reflective
    /// reasoning of the paper's teacher, which makes a cold-started model over-think.
    /// </summary>
    public int MaxExtraReflections { get; init; }

    /// <summary>The model id reported in responses.</summary>
    public string ModelId { get; init; } = "synthetic-teacher";

    /// <summary>A teacher that never errs.</summary>
    public static SyntheticTeacherOptions Faithful { get; } = new()
    {
        DescriptionMiscountRate = 0, WrongCountRate = 0, InconsistentRate = 0, TruncationRate = 0, RepetitionRate = 0,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first rate out of [0, 1], or when the reasoning rates add up to more than 1.</summary>
    public void Validate()
    {
        foreach (var (name, p) in new[]
                 {
                     (nameof(DescriptionMiscountRate), DescriptionMiscountRate), (nameof(WrongCountRate), WrongCountRate),
                     (nameof(InconsistentRate), InconsistentRate), (nameof(TruncationRate), TruncationRate), (nameof(RepetitionRate), RepetitionRate),
                 })
        {
            if (!(p >= 0 && p <= 1)) throw new ArgumentException($"SyntheticTeacherOptions.{name} must be in [0, 1], got {p}.", name);
        }
        if (WrongCountRate + InconsistentRate + TruncationRate + RepetitionRate > 1)
            throw new ArgumentException("SyntheticTeacherOptions: the reasoning fault rates add up to more than 1.", nameof(WrongCountRate));
        if (MaxExtraReflections is < 0 or > 4)
            throw new ArgumentException($"SyntheticTeacherOptions.MaxExtraReflections must be between 0 and 4, got {MaxExtraReflections}.", nameof(MaxExtraReflections));
        if (string.IsNullOrWhiteSpace(ModelId)) throw new ArgumentException("SyntheticTeacherOptions.ModelId must not be empty.", nameof(ModelId));
    }
}
