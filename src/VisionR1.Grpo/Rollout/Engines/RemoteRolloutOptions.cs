namespace VisionR1.Grpo.Rollout.Engines;

/// <summary>Which serving engine's HTTP API a <see cref="RemoteRolloutEngine"/> speaks.</summary>
public enum RolloutServer
{
    /// <summary>
    /// vLLM: sampling through <c>POST /v1/chat/completions</c> with <c>logprobs</c>, <c>return_tokens_as_token_ids</c>
    /// (each sampled token comes back as <c>"token_id:N"</c> with its log-prob) and <c>return_token_ids</c> (the prompt's ids, checked
    /// against the trainer's), served with the trainer's chat template, <c>--chat-template-content-format openai</c> and
    /// <c>--logprobs-mode processed_logprobs</c> (docs/rollouts.md); LoRA adapters through
    /// <c>POST /v1/load_lora_adapter</c> / <c>/v1/unload_lora_adapter</c> (server started with <c>--enable-lora</c> and
    /// <c>VLLM_ALLOW_RUNTIME_LORA_UPDATING=True</c>), the served adapters listed by <c>GET /v1/models</c>.
    /// See https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html and https://docs.vllm.ai/en/latest/features/lora.html.
    /// </summary>
    Vllm,

    /// <summary>
    /// SGLang: sampling through its native <c>POST /generate</c> (the prompt rendered by the trainer's chat template as
    /// <c>text</c>, images as <c>image_data</c>, <c>sampling_params</c> with a 31-bit <c>sampling_seed</c>, honoured only by a server
    /// started with <c>--enable-deterministic-inference</c>, and <c>return_logprob</c>; the answer's
    /// <c>meta_info.output_token_logprobs</c> holds [log-prob, token id, text] per token), LoRA adapters through
    /// <c>POST /load_lora_adapter</c> / <c>/unload_lora_adapter</c> and the request's <c>lora_path</c> (server started with
    /// <c>--enable-lora</c>, <c>--max-lora-rank</c> and <c>--lora-target-modules</c>), full weights through
    /// <c>POST /update_weights_from_disk</c> checked with <c>GET /model_info</c> (<c>/get_model_info</c> on older servers).
    /// See https://docs.sglang.io/basic_usage/native_api.html and https://docs.sglang.io/advanced_features/lora.html.
    /// </summary>
    Sglang,
}

/// <summary>How the trainer publishes its weights to a remote rollout engine.</summary>
public enum WeightSyncMode
{
    /// <summary>The policy's LoRA adapter, written in PEFT's layout to the shared folder and loaded by name (<c>vr1-v{version}</c>).</summary>
    Lora,

    /// <summary>The whole model, written as a Hugging Face checkpoint to the shared folder and reloaded by the server (SGLang's <c>/update_weights_from_disk</c>).</summary>
    Disk,
}

/// <summary>Options of <see cref="RemoteRolloutEngine"/>.</summary>
public sealed record RemoteRolloutOptions
{
    /// <summary>The server's root URL (e.g. <c>http://gpu-node:8000</c>, without <c>/v1</c>).</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>The served base model's name (vLLM's <c>--served-model-name</c>, or the model path it was started with).</summary>
    public required string Model { get; init; }

    /// <summary>Which server's API to speak (vLLM by default).</summary>
    public RolloutServer Server { get; init; } = RolloutServer.Vllm;

    /// <summary>How weights are published (a LoRA adapter by default).</summary>
    public WeightSyncMode WeightSync { get; init; } = WeightSyncMode.Lora;

    /// <summary>
    /// The folder the trainer writes published weights into and the server reads them from: the same path on both machines
    /// (a shared file system). Each version is written to a temporary folder and renamed into place, so the server never sees half a version.
    /// </summary>
    public required string SharedDirectory { get; init; }

    /// <summary>The prefix of published versions' names: version n is served as <c>{prefix}-v{n}</c>.</summary>
    public string VersionPrefix { get; init; } = "vr1";

    /// <summary>Completion requests in flight at once.</summary>
    public int MaxConcurrency { get; init; } = 32;

    /// <summary>The deadline of one attempt of one request (a completion, a weight load); an attempt past it is cancelled and retried.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How many times a failed attempt (connection lost, deadline passed; for completions HTTP 408, 429 and 5xx, for weight and
    /// adapter calls 408, 429, 502, 503 and 504) is retried before the step fails.
    /// </summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>The first retry's delay; each further retry doubles it (capped at 30 s), with ±25% jitter.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Published versions kept in the shared folder (older ones are deleted after a successful sync).</summary>
    public int KeepVersions { get; init; } = 2;

    /// <summary>A bearer token for servers started with <c>--api-key</c>, or null.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Throws for values no engine can use, naming the option.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(BaseUrl, nameof(BaseUrl));
        if (!BaseUrl.IsAbsoluteUri || (BaseUrl.Scheme != Uri.UriSchemeHttp && BaseUrl.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"The rollout server URL must be an absolute http(s) URL, got '{BaseUrl}'.", nameof(BaseUrl));
        if (string.IsNullOrWhiteSpace(Model)) throw new ArgumentException("The served model's name is empty.", nameof(Model));
        if (string.IsNullOrWhiteSpace(SharedDirectory)) throw new ArgumentException("Weight sync needs a shared folder.", nameof(SharedDirectory));
        if (string.IsNullOrWhiteSpace(VersionPrefix) || VersionPrefix.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw new ArgumentException($"The version prefix must be letters, digits, '-', '_' or '.', got '{VersionPrefix}'.", nameof(VersionPrefix));
        if (WeightSync == WeightSyncMode.Disk && Server == RolloutServer.Vllm)
            throw new ArgumentException("Reloading full weights from disk is SGLang's /update_weights_from_disk; with vLLM publish a LoRA adapter (WeightSync = Lora).", nameof(WeightSync));
        if (MaxConcurrency < 1) throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, "At least one request in flight.");
        if (RequestTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RequestTimeout), RequestTimeout, "The request deadline must be positive.");
        if (MaxRetries < 0) throw new ArgumentOutOfRangeException(nameof(MaxRetries), MaxRetries, "Retries must be ≥ 0.");
        if (RetryDelay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RetryDelay), RetryDelay, "The retry delay must be ≥ 0.");
        if (KeepVersions < 1) throw new ArgumentOutOfRangeException(nameof(KeepVersions), KeepVersions, "At least the served version is kept.");
    }
}
