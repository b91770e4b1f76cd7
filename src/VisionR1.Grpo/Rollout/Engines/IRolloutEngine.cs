using VisionR1.Grpo.Policies;

namespace VisionR1.Grpo.Rollout.Engines;

/// <summary>
/// Where GRPO's completions come from: G samples per prompt with their token ids and, when the engine reports them,
/// the per-token log-probabilities of the policy that sampled them (the behaviour policy). <see cref="InProcessRolloutEngine"/>
/// samples with the training process's own model; <see cref="RemoteRolloutEngine"/> asks an OpenAI-compatible serving engine
/// (vLLM or SGLang) over HTTP and publishes the trainer's weights to it with <see cref="SyncWeightsAsync"/>.
/// </summary>
public interface IRolloutEngine : IDisposable
{
    /// <summary>A short name for logs ("in-process", "remote http://…").</summary>
    string Name { get; }

    /// <summary>
    /// Whether the engine samples from its own copy of the weights, so the trainer must publish them after optimizer steps
    /// (<see cref="SyncWeightsAsync"/>) and correct for numerical differences with the returned log-probs.
    /// False for an engine that samples with the training model itself.
    /// </summary>
    bool NeedsWeightSync { get; }

    /// <summary>The weight version the engine was last told to serve (null before the first sync; always null when <see cref="NeedsWeightSync"/> is false).</summary>
    long? ServedVersion { get; }

    /// <summary>
    /// Samples <see cref="RolloutRequest.GroupSize"/> completions of every prompt of <paramref name="request"/>, returned
    /// prompt-major (prompt p, sample k at p·G + k), each exactly once.
    /// </summary>
    Task<RolloutResult> GenerateAsync(RolloutRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes the engine serve <paramref name="policy"/>'s current weights as <paramref name="version"/> and checks that it does;
    /// throws <see cref="RolloutEngineException"/> when the engine does not confirm the version. A no-op when
    /// <see cref="NeedsWeightSync"/> is false.
    /// </summary>
    Task SyncWeightsAsync(IPolicyModel policy, long version, CancellationToken cancellationToken = default);
}
