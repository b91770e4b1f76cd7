namespace VisionR1.Grpo.Metrics;

/// <summary>Something a run did besides a step: a stage switch, a checkpoint, a resume, a skipped step.</summary>
/// <param name="Step">The step after which it happened.</param>
/// <param name="Kind">One of <see cref="TrainingEventKind"/>'s constants.</param>
/// <param name="Message">A sentence for humans.</param>
/// <param name="Data">Machine-readable details, or null.</param>
public sealed record TrainingEvent(long Step, string Kind, string Message, IReadOnlyDictionary<string, object?>? Data = null);
