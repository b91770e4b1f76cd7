using System.Text.Json.Serialization;

namespace VisionR1.Trainer.Pipeline;

/// <summary>Result of the world stage.</summary>
/// <param name="Train">Training problems written.</param>
/// <param name="Test">Test problems written.</param>
public sealed record WorldResult(int Train, int Test);

/// <summary>Result of the tokenizer stage.</summary>
/// <param name="VocabularySize">Ids of the trained tokenizer.</param>
/// <param name="CorpusTexts">Texts it was trained on.</param>
public sealed record TokenizerResult(int VocabularySize, int CorpusTexts);

/// <summary>Result of a training stage.</summary>
/// <param name="Steps">Optimizer steps run in total.</param>
/// <param name="Samples">Training samples (SFT) or prompts (RL) available.</param>
/// <param name="LastValue">Final SFT loss or final mean reward.</param>
/// <param name="ModelDirectory">The final checkpoint (Hugging Face layout with tokenizer files).</param>
public sealed record TrainingResult(long Steps, int Samples, double LastValue, string ModelDirectory);

/// <summary>Result of the cold-start construction.</summary>
/// <param name="Built">Samples built in this run.</param>
/// <param name="Resumed">Samples found already built.</param>
/// <param name="Failed">Samples that failed after retries.</param>
/// <param name="OutputTokens">Teacher output tokens spent.</param>
public sealed record ColdStartResult(int Built, int Resumed, int Failed, long OutputTokens);

/// <summary>Result of the CoT filter.</summary>
/// <param name="Total">Samples read.</param>
/// <param name="Kept">Samples kept.</param>
/// <param name="Removed">Samples removed per rule.</param>
/// <param name="ReflectiveSamples">Kept samples with "Wait" (the paper's marker of self-reflection).</param>
public sealed record FilterResult(int Total, int Kept, IReadOnlyDictionary<string, int> Removed, long ReflectiveSamples);

/// <summary>What summary.json holds.</summary>
/// <param name="Stages">Evaluation per model stage (base, ci, vision_r1, and any variants).</param>
/// <param name="TestItems">Held-out test items each model answered.</param>
/// <param name="ElapsedSeconds">Compute seconds of all stages (summed over resumed runs).</param>
/// <param name="StageSeconds">Seconds per stage.</param>
/// <param name="Quick">Whether this was the quick smoke run.</param>
/// <param name="Seed">The seed.</param>
public sealed record PipelineSummary(
    [property: JsonPropertyName("stages")] IReadOnlyDictionary<string, StageEvaluation> Stages,
    [property: JsonPropertyName("test_items")] int TestItems,
    [property: JsonPropertyName("elapsed_s")] double ElapsedSeconds,
    [property: JsonPropertyName("stage_seconds")] IReadOnlyDictionary<string, double> StageSeconds,
    [property: JsonPropertyName("quick")] bool Quick,
    [property: JsonPropertyName("seed")] long Seed);
