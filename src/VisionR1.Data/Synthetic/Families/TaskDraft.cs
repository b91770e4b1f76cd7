namespace VisionR1.Data.Synthetic;

/// <summary>A drawn scene with its question, before the split check and rendering.</summary>
internal sealed record TaskDraft(SyntheticScene Scene, SyntheticTask Task, string Question);
