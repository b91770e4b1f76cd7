namespace VisionR1.Grpo.Metrics;

/// <summary>One training step's metrics as read back from a metrics.jsonl line.</summary>
/// <param name="Run">Which run the line belongs to (e.g. "vision_r1", "zero").</param>
/// <param name="Step">The global step.</param>
/// <param name="Stage">The PTST stage index or name, or null.</param>
/// <param name="Values">Every numeric field of the line.</param>
public sealed record MetricPoint(string Run, int Step, string? Stage, IReadOnlyDictionary<string, double> Values);
