namespace VisionR1.Grpo.Checkpoints;

/// <summary>The checkpoint a resume loaded and what its loader returned.</summary>
/// <typeparam name="T">What the loader returns (a trainer's state).</typeparam>
/// <param name="Checkpoint">The verified checkpoint that was loaded.</param>
/// <param name="Value">The loader's result.</param>
/// <param name="SetAside">Damaged newer checkpoints moved aside on the way (only with <see cref="ResumeMode.LatestGood"/>), newest first.</param>
public sealed record ResumedCheckpoint<T>(CheckpointInfo Checkpoint, T Value, IReadOnlyList<SetAsideCheckpoint> SetAside);
