namespace VisionR1.Grpo.Checkpoints;

/// <summary>What a resume does when the newest checkpoint fails its verification.</summary>
public enum ResumeMode
{
    /// <summary>
    /// Resume from the newest checkpoint only: when it is damaged, stop with a <see cref="CheckpointDamagedException"/>
    /// that names the checkpoint, the file and what was expected and found; nothing is moved or deleted.
    /// </summary>
    Latest,

    /// <summary>
    /// Resume from the newest checkpoint that verifies: every damaged newer one is moved aside (renamed
    /// <c>step-N.damaged</c>, never deleted) and reported, and the search goes on with the next older one.
    /// </summary>
    LatestGood,
}
