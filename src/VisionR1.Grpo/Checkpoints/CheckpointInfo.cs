namespace VisionR1.Grpo.Checkpoints;

/// <summary>A complete checkpoint on disk.</summary>
/// <param name="Step">The training step it was taken after.</param>
/// <param name="Directory">Its folder.</param>
/// <param name="CreatedUtc">When it was completed.</param>
public sealed record CheckpointInfo(long Step, string Directory, DateTimeOffset CreatedUtc)
{
    /// <summary>
    /// Facts the writer recorded in the manifest besides the step (e.g. the data cursor), for cross-checking against the
    /// checkpoint's own files on resume; empty when none were given.
    /// </summary>
    public IReadOnlyDictionary<string, string> Facts { get; init; } = new Dictionary<string, string>();
}
