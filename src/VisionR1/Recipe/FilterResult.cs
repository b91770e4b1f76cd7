namespace VisionR1.Recipe;

/// <summary>Result of the CoT filter stage (<see cref="DataStages.FilterAsync"/>).</summary>
/// <param name="Total">Samples read.</param>
/// <param name="Kept">Samples kept.</param>
/// <param name="Removed">Samples removed per rule.</param>
/// <param name="ReflectiveSamples">Kept samples with "Wait" (the paper's marker of self-reflection).</param>
public sealed record FilterResult(int Total, int Kept, IReadOnlyDictionary<string, int> Removed, long ReflectiveSamples);
