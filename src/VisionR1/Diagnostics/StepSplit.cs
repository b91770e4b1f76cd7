namespace VisionR1.Diagnostics;

/// <summary>Shares of a training step: forward (with the loss), backward and the optimizer update; they sum to 1.</summary>
/// <param name="Forward">Forward pass and loss.</param>
/// <param name="Backward">Backward pass.</param>
/// <param name="Update">AdamW update.</param>
public sealed record StepSplit(double Forward, double Backward, double Update);
