namespace VisionR1.Recipe;

/// <summary>Result of a training stage of the recipe (<see cref="TrainingStages"/>).</summary>
/// <param name="Steps">Optimizer steps run in total.</param>
/// <param name="Samples">Training samples (SFT) or prompts (RL) available.</param>
/// <param name="LastValue">Final SFT loss or final mean reward.</param>
/// <param name="ModelDirectory">The final checkpoint (Hugging Face layout with tokenizer files).</param>
public sealed record TrainingResult(long Steps, int Samples, double LastValue, string ModelDirectory);
