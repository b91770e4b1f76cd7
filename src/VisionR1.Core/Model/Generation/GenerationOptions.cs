namespace VisionR1.Model.Generation;

/// <summary>
/// How to sample completions. Defaults are GRPO rollout sampling (temperature 1, no truncation,
/// as TRL's <c>GRPOConfig</c>); <see cref="Evaluation"/> holds the Vision-R1 evaluation settings.
/// </summary>
public sealed record GenerationOptions
{
    /// <summary>Most tokens to generate per completion (the completion ends with <see cref="FinishReason.Length"/> when reached).</summary>
    public int MaxNewTokens { get; init; } = 1024;

    /// <summary>Softmax temperature; 0 means greedy decoding.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability reaches this mass (1 = off).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens (0 = off).</summary>
    public int TopK { get; init; }

    /// <summary>Tokens that end a completion (included in it); null = the config's <c>eos_token_id</c>; empty = never stop early.</summary>
    public IReadOnlyList<int>? StopTokenIds { get; init; }

    /// <summary>
    /// Tokens never sampled (their logits are set to −∞ before choosing); null = the config's
    /// <c>&lt;|image_pad|&gt;</c> and <c>&lt;|video_pad|&gt;</c>, which only the processor may place;
    /// empty = none. Reported log-probabilities are those of the unsuppressed distribution, as
    /// <see cref="QwenVLLogProbs.ComputeTokenLogProbs(QwenVLModel, VisionR1.Inputs.CompletionBatch, double, bool, int)"/> computes them.
    /// </summary>
    public IReadOnlyList<int>? SuppressTokenIds { get; init; }

    /// <summary>Seed of the sampler; the same seed, model and prompts give the same completions on CPU. Null = a random seed.</summary>
    public long? Seed { get; init; }

    /// <summary>
    /// Drop finished rows from the batch once an eighth of it has finished, so that the remaining steps compute only the rows
    /// still running (on by default). The tokens sampled for a row then depend on which other rows are still running, so a
    /// seed reproduces the same completions only with the same setting and the same batch.
    /// </summary>
    public bool DropFinishedRows { get; init; } = true;

    /// <summary>Whether decoding is greedy (<see cref="Temperature"/> is 0).</summary>
    public bool Greedy => Temperature == 0;

    /// <summary>Vision-R1's evaluation sampling (vision-r1.md): temperature 0.6, top-p 0.95.</summary>
    public static GenerationOptions Evaluation { get; } = new() { Temperature = 0.6, TopP = 0.95 };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (MaxNewTokens < 1) throw new ArgumentException($"MaxNewTokens must be at least 1, got {MaxNewTokens}.", nameof(MaxNewTokens));
        if (Temperature < 0 || double.IsNaN(Temperature)) throw new ArgumentException($"Temperature must be ≥ 0, got {Temperature}.", nameof(Temperature));
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"TopP must be in (0, 1], got {TopP}.", nameof(TopP));
        if (TopK < 0) throw new ArgumentException($"TopK must be ≥ 0, got {TopK}.", nameof(TopK));
    }
}
