namespace VisionR1.Data.Synthetic;

/// <summary>The <c>MathProblem.Metadata</c> keys a synthetic item carries.</summary>
public static class SyntheticMetadataKeys
{
    /// <summary>The family, lower case ("shapes", "bars", "geometry").</summary>
    public const string Family = "family";

    /// <summary>"easy", "medium" or "hard" (see <see cref="SyntheticTask.Difficulty"/>).</summary>
    public const string Difficulty = "difficulty";

    /// <summary>Reasoning steps of the question, as an integer (see <see cref="SyntheticTask.Steps"/>).</summary>
    public const string Steps = "steps";

    /// <summary>The scene facts as JSON (<see cref="SyntheticWorldJson.Serialize(SyntheticScene)"/>).</summary>
    public const string Scene = "scene";

    /// <summary>The question's task as JSON (<see cref="SyntheticWorldJson.Serialize(SyntheticTask)"/>).</summary>
    public const string Task = "task";

    /// <summary>"train" or "test".</summary>
    public const string Split = "split";

    /// <summary>The world seed.</summary>
    public const string Seed = "seed";

    /// <summary>A caption of the scene, for pre-training the base model.</summary>
    public const string Caption = "caption";
}
