using VisionR1.Grpo.Policies;

namespace VisionR1.Grpo.Rollout.Engines;

/// <summary>What a rollout engine is asked to sample.</summary>
/// <param name="Prompts">The prompts, in order.</param>
/// <param name="GroupSize">Completions per prompt (G).</param>
/// <param name="Settings">Length cap, temperature, top-p, top-k.</param>
/// <param name="Seed">
/// The seed of this sampling round. Completion (p, k) is sampled with <see cref="CompletionSeed"/>(p, k) by engines that sample each
/// completion on its own (remote engines, and <see cref="InProcessRolloutEngine"/> with <see cref="RolloutSeeding.PerCompletion"/>).
/// </param>
/// <param name="Step">The training step and stage sampled for (also names the requests in errors), or null.</param>
/// <param name="Round">The refill round within the step (dynamic sampling), 0 for the first.</param>
/// <param name="GenerationBatchSize">Completions generated at once by an in-process engine (null: all).</param>
/// <param name="ConcurrentChunks">
/// In-process engines split the prompts into at least this many chunks of whole groups and sample the chunks side by side, each on
/// its own thread (<see cref="VisionR1.Runtime.TensorWorkers"/>); 1 samples them in turn. Remote engines ignore it.
/// </param>
public sealed record RolloutRequest(IReadOnlyList<GrpoPrompt> Prompts, int GroupSize, SamplingSettings Settings, long Seed,
    RolloutStep? Step = null, int Round = 0, int? GenerationBatchSize = null, int ConcurrentChunks = 1)
{
    /// <summary>
    /// The seed of completion (<paramref name="promptIndex"/>, <paramref name="sampleIndex"/>): independent of batching, concurrency and
    /// retries, and 31 bits wide (0 ≤ seed ≤ 2³¹ − 1), the range every server holds (SGLang kept seeds in an int32 tensor).
    /// </summary>
    public long CompletionSeed(int promptIndex, int sampleIndex) => SeedMixer.Mix(Seed, promptIndex, sampleIndex) >> 32;

    /// <summary>How errors and servers name completion (p, k): step, round, prompt and sample.</summary>
    public string RequestId(int promptIndex, int sampleIndex) => $"vr1-s{Step?.Step ?? 0}-r{Round}-p{promptIndex}-k{sampleIndex}";

    /// <summary>Throws for a request no engine can serve.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Prompts, nameof(Prompts));
        ArgumentNullException.ThrowIfNull(Settings, nameof(Settings));
        if (Prompts.Count == 0) throw new ArgumentException("A rollout request needs at least one prompt.", nameof(Prompts));
        if (GroupSize < 1) throw new ArgumentOutOfRangeException(nameof(GroupSize), GroupSize, "At least one completion per prompt.");
        if (Settings.MaxNewTokens < 1) throw new ArgumentOutOfRangeException(nameof(Settings), Settings.MaxNewTokens, "The completion cap must be at least one token.");
        if (GenerationBatchSize is < 1) throw new ArgumentOutOfRangeException(nameof(GenerationBatchSize), GenerationBatchSize, "The generation batch needs at least one completion.");
        if (ConcurrentChunks < 1) throw new ArgumentOutOfRangeException(nameof(ConcurrentChunks), ConcurrentChunks, "ConcurrentChunks must be at least 1.");
    }
}

/// <summary>One sampled completion.</summary>
/// <param name="PromptIndex">Index of its prompt in the request.</param>
/// <param name="SampleIndex">Which of the prompt's G samples.</param>
/// <param name="Tokens">Its token ids, including the end-of-sequence token when it has one.</param>
/// <param name="Truncated">Whether it hit the length cap without ending.</param>
/// <param name="LogProbs">
/// Per token, log p of the sampled token under the sampling policy at the sampling temperature (the behaviour policy's
/// log-probs), one per token; null when the engine does not report them.
/// </param>
public sealed record RolloutSample(int PromptIndex, int SampleIndex, long[] Tokens, bool Truncated, float[]? LogProbs);

/// <summary>What a rollout engine returns.</summary>
/// <param name="Samples">Prompt-major: prompt p, sample k at p·G + k.</param>
/// <param name="Retries">Requests that were sent again after a failure (0 for an in-process engine).</param>
public sealed record RolloutResult(IReadOnlyList<RolloutSample> Samples, int Retries = 0);
