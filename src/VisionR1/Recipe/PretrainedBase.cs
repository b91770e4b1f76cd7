using VisionR1.Problems;

namespace VisionR1.Recipe;

/// <summary>The base a run starts from and the world it belongs to (<see cref="BasePretraining"/>).</summary>
/// <param name="Train">The world's training problems (the cold start's and RL's pool).</param>
/// <param name="Test">The world's held-out problems (never in the pre-training mix).</param>
/// <param name="ModelDirectory">The base model's Hugging Face folder, with its tokenizer and <see cref="BaseProvenance.FileName"/>.</param>
/// <param name="Provenance">Where the base came from (null only for a base pre-trained by a run folder begun before provenance was recorded).</param>
public sealed record PretrainedBase(IReadOnlyList<MathProblem> Train, IReadOnlyList<MathProblem> Test, string ModelDirectory, BaseProvenance? Provenance);
