namespace VisionR1.Grpo.Checkpoints;

/// <summary>A damaged checkpoint that a <see cref="ResumeMode.LatestGood"/> resume moved aside (it is never deleted).</summary>
/// <param name="Step">The step its folder name gives.</param>
/// <param name="From">Its folder before.</param>
/// <param name="To">Where it was moved (<c>step-N.damaged</c>, with a number appended if that exists).</param>
/// <param name="Damage">What is wrong with it.</param>
public sealed record SetAsideCheckpoint(long Step, string From, string To, IReadOnlyList<CheckpointDamage> Damage)
{
    /// <summary>One line for a log: which checkpoint, why, and where it went.</summary>
    public override string ToString() => $"{CheckpointDamagedException.Describe(From, Damage)} Moved aside to {To}.";
}
