namespace VisionR1.Grpo.Checkpoints;

/// <summary>
/// A checkpoint failed its verification: a file is missing, cut short or changed since it was written (its SHA-256
/// differs from the manifest's), or the step and data cursor recorded in its files disagree. The message names the
/// checkpoint, each damaged file and what was expected and found.
/// </summary>
public sealed class CheckpointDamagedException : IOException
{
    /// <summary>Creates the exception for the checkpoint at <paramref name="directory"/>.</summary>
    public CheckpointDamagedException(string directory, IReadOnlyList<CheckpointDamage> damage, string? advice = null)
        : base(Describe(directory, damage) + (advice is null ? "" : " " + advice))
    {
        Directory = directory;
        Damage = damage;
    }

    /// <summary>The damaged checkpoint's folder.</summary>
    public string Directory { get; }

    /// <summary>What is wrong with it, one entry per file.</summary>
    public IReadOnlyList<CheckpointDamage> Damage { get; }

    /// <summary>"Checkpoint DIR is damaged: a; b."</summary>
    public static string Describe(string directory, IReadOnlyList<CheckpointDamage> damage) =>
        $"Checkpoint {directory} is damaged: {string.Join("; ", damage)}.";
}
