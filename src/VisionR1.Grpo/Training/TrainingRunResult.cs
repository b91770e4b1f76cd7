using VisionR1.Grpo.Checkpoints;

namespace VisionR1.Grpo.Training;

/// <summary>How a call to a trainer's <c>Train</c> ended.</summary>
/// <param name="Step">Steps completed in total (including those before a resume).</param>
/// <param name="Finished">Whether the whole schedule (or all epochs) ran.</param>
/// <param name="LastCheckpoint">The newest checkpoint written, or null.</param>
public sealed record TrainingRunResult(long Step, bool Finished, CheckpointInfo? LastCheckpoint);
