namespace VisionR1.Data.Synthetic;

/// <summary>A split of the synthetic world. Every (scene, question) pair belongs to exactly one split.</summary>
public enum SyntheticSplit
{
    /// <summary>Training items.</summary>
    Train,
    /// <summary>Held-out test items.</summary>
    Test,
}
