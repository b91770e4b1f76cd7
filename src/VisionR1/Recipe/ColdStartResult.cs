namespace VisionR1.Recipe;

/// <summary>Result of the cold-start construction stage (<see cref="DataStages.ColdStartAsync"/>).</summary>
/// <param name="Built">Samples built in this run.</param>
/// <param name="Resumed">Samples found already built.</param>
/// <param name="Failed">Samples that failed after retries.</param>
/// <param name="OutputTokens">Teacher output tokens spent.</param>
public sealed record ColdStartResult(int Built, int Resumed, int Failed, long OutputTokens);
