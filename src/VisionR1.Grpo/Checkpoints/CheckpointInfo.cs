namespace VisionR1.Grpo.Checkpoints;

/// <summary>A complete checkpoint on disk.</summary>
/// <param name="Step">The training step it was taken after.</param>
/// <param name="Directory">Its folder.</param>
/// <param name="CreatedUtc">When it was completed.</param>
public sealed record CheckpointInfo(long Step, string Directory, DateTimeOffset CreatedUtc);
