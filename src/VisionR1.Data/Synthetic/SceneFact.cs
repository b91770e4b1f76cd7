namespace VisionR1.Data.Synthetic;

/// <summary>One quantity that can be read off a synthetic scene.</summary>
/// <param name="Kind">How the fact is phrased.</param>
/// <param name="Subject">What is measured: a plural noun phrase for counts ("red circles", "shapes"), "bar A" for bars, "width" or "left side" for lengths.</param>
/// <param name="Value">The integer value.</param>
public sealed record SceneFact(FactKind Kind, string Subject, int Value);
