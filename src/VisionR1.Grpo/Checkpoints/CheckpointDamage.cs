namespace VisionR1.Grpo.Checkpoints;

/// <summary>One way in which a checkpoint folder fails its verification.</summary>
/// <param name="File">The file concerned, relative to the checkpoint folder (the manifest, a listed file, or the folder itself as ".").</param>
/// <param name="Problem">What is wrong, e.g. "SHA-256 differs", "size differs", "missing", "step differs".</param>
/// <param name="Expected">What the manifest (or the folder name) says, or null where nothing is recorded.</param>
/// <param name="Found">What is on disk, or null where nothing is there.</param>
public sealed record CheckpointDamage(string File, string Problem, string? Expected, string? Found)
{
    /// <summary>The damage as one line: "optimizer.safetensors: SHA-256 differs (expected 3fa1…, found 9c0e…)".</summary>
    public override string ToString() =>
        Expected is null && Found is null ? $"{File}: {Problem}" : $"{File}: {Problem} (expected {Expected ?? "nothing"}, found {Found ?? "nothing"})";
}
