namespace VisionR1.Grpo.Rollout.Engines;

/// <summary>How <see cref="InProcessRolloutEngine"/> seeds its sampling.</summary>
public enum RolloutSeeding
{
    /// <summary>
    /// Chunks of whole groups generated together, chunk c with seed Mix(request seed, c): the fastest in one process, and what
    /// <see cref="GroupSampler"/> always did; the samples depend on the generation batch size.
    /// </summary>
    PerChunk,

    /// <summary>
    /// Each completion (p, k) generated alone with <see cref="RolloutRequest.CompletionSeed"/>(p, k), as a remote engine
    /// asks its server: the samples do not depend on batching, and equal a remote engine's that serves the same weights with the same sampler.
    /// </summary>
    PerCompletion,
}
