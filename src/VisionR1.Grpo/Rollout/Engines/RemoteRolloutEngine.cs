using VisionR1.Grpo.Policies;
using VisionR1.Inputs;

namespace VisionR1.Grpo.Rollout.Engines;

/// <summary>
/// Samples GRPO's completions on a serving engine, vLLM or SGLang, over HTTP, and publishes the trainer's weights to it: a
/// <see cref="RemoteSampler"/> and a <see cref="WeightPublisher"/> speaking one server's dialect, with retries through Polly.
/// </summary>
/// <remarks>
/// <para>
/// Sampling: every completion (p, k) is one request with its own seed and id, so a completion does not depend on which requests
/// share the server's batch. Every sampling parameter the trainer assumes is sent (temperature, top-p, top-k off, min-p 0, repetition,
/// presence and frequency penalties neutral), so no <c>generation_config.json</c> default of the served model applies. A retried
/// request asks for the same completion again where the server honours seeds (vLLM; SGLang only when started with
/// <c>--enable-deterministic-inference</c>, otherwise a retry draws afresh). The prompt the server scored is compared with the trainer's
/// for every prompt, images included (vLLM's <c>prompt_token_ids</c>, SGLang's <c>prompt_tokens</c>); images are loaded with the
/// <see cref="ImageLoader"/> given, which should be the trainer's so both sides resize alike.
/// </para>
/// <para>
/// The log-probs the server reports are the behaviour policy's; the trainer weights each token by min(π_old / π_behaviour, C)
/// (<see cref="Training.GrpoOptions.ImportanceSamplingCap"/>). Start vLLM with <c>--logprobs-mode processed_logprobs</c> (log-probs at
/// the sampling temperature); vLLM's processed log-probs are renormalised after top-k/top-p, which the trainer's π_old is not, so on
/// vLLM sampling with top-p &lt; 1 or top-k &gt; 0 is refused. SGLang reports log-probs before the filters.
/// </para>
/// </remarks>
public sealed class RemoteRolloutEngine : IRolloutEngine
{
    private readonly RemoteCalls _calls;
    private readonly RemoteSampler _sampler;
    private readonly WeightPublisher _publisher;
    private int? _vocabularySize;

    /// <summary>
    /// An engine for the server of <paramref name="options"/>; <paramref name="template"/> is the trainer's chat template (it renders
    /// SGLang's prompts and checks both servers' tokenization). <paramref name="handler"/> replaces the HTTP handler (tests, proxies);
    /// <paramref name="images"/> loads the prompts' images (the trainer's encoder's loader; a loader without a cache when null).
    /// </summary>
    public RemoteRolloutEngine(RemoteRolloutOptions options, ChatTemplate template, HttpMessageHandler? handler = null, ImageLoader? images = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(template);
        options.Validate();
        var dialect = ServerDialect.For(options.Server);
        _calls = new RemoteCalls(options, dialect.Name, handler);
        _sampler = new RemoteSampler(_calls, dialect, template, images ?? new ImageLoader());
        _publisher = new WeightPublisher(_calls, dialect);
    }

    /// <summary>The options.</summary>
    public RemoteRolloutOptions Options => _calls.Options;

    /// <inheritdoc />
    public string Name => $"remote {Options.Server.ToString().ToLowerInvariant()} {Options.BaseUrl}";

    /// <inheritdoc />
    public bool NeedsWeightSync => true;

    /// <inheritdoc />
    public long? ServedVersion => _publisher.Version;

    /// <summary>The folder of the served version in the shared folder, or null before the first sync.</summary>
    public string? ServedPath => _publisher.ServedPath;

    /// <summary>What sampling requests name: the adapter of the served version (LoRA), or null (full weights).</summary>
    public string? ServedAdapter => _publisher.Adapter;

    /// <inheritdoc />
    /// <exception cref="RolloutEngineException">
    /// No weights were published, the server no longer serves them, the sampling settings are ones whose log-probs this server reports
    /// differently from the trainer, a request failed after its retries, or an answer is malformed (the error names the request and the server).
    /// </exception>
    public async Task<RolloutResult> GenerateAsync(RolloutRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        if (ServedVersion is null)
            throw new RolloutEngineException($"No weights were published to {Options.BaseUrl} yet: call SyncWeightsAsync before sampling.");
        await _publisher.CheckServedAsync(cancellationToken).ConfigureAwait(false);
        return await _sampler.SampleAsync(request, _publisher.Adapter, _vocabularySize, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="RolloutEngineException">
    /// The policy's weights do not fit the sync mode (LoRA needs an adapter, disk full weights), or the server refused them or
    /// does not report serving them afterwards.
    /// </exception>
    public async Task SyncWeightsAsync(IPolicyModel policy, long version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        _vocabularySize = policy.VocabularySize;
        await _publisher.PublishAsync(policy, version, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => _calls.Dispose();
}
