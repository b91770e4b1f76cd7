namespace VisionR1.Grpo.Training;

/// <summary>Where a run is in its data: the epoch and the position within that epoch's order. Part of every checkpoint.</summary>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="Position">Items of this epoch already consumed.</param>
public sealed record DataCursor(int Epoch = 0, int Position = 0);
