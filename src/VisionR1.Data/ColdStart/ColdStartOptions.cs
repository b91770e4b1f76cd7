namespace VisionR1.Data.ColdStart;

/// <summary>Prices of one endpoint, per million tokens (0 for a local server).</summary>
/// <param name="InputPerMillion">Price of a million input tokens.</param>
/// <param name="OutputPerMillion">Price of a million output tokens.</param>
public sealed record TokenPrices(decimal InputPerMillion = 0, decimal OutputPerMillion = 0)
{
    /// <summary>The cost of <paramref name="input"/> and <paramref name="output"/> tokens.</summary>
    public decimal Cost(long input, long output) => (input * InputPerMillion + output * OutputPerMillion) / 1_000_000m;
}

/// <summary>Options of the modality-bridging construction.</summary>
/// <param name="MllmModel">Model id requested for steps 1–2 (the paper: Qwen2.5-VL-72B), or null for the client's default.</param>
/// <param name="ReasonerModel">Model id requested for step 3 (the paper: DeepSeek-R1), or null for the client's default.</param>
/// <param name="MaxConcurrency">Samples in flight at once.</param>
/// <param name="MaxRetries">
/// Re-asks of a malformed reply (empty, or an unformatted CoT when <paramref name="RetryUnformattedReasoning"/>) per step; and,
/// where the library composes the endpoint's middleware (<c>VisionR1.Recipe.DataStages.ColdStartAsync</c> (package VisionR1)), the
/// <see cref="Chat.RetryingChatClient"/>'s retries on 429, 5xx, timeouts and network errors. A client passed straight to
/// <see cref="ColdStartPipeline"/> brings its own retries.
/// </param>
/// <param name="RetryBaseDelay">First retry delay of the composed <see cref="Chat.RetryingChatClient"/>; doubles each retry, with jitter.</param>
/// <param name="RequestTimeout">Time allowed to one call attempt by the composed <see cref="Chat.RetryingChatClient"/>.</param>
/// <param name="MllmTemperature">Sampling temperature of steps 1–2 (null: the endpoint's default).</param>
/// <param name="ReasonerTemperature">Sampling temperature of step 3 (0.6, DeepSeek-R1's recommended setting).</param>
/// <param name="MaxOutputTokens">Output cap per call, or null for the endpoint's default.</param>
/// <param name="Prompts">The prompt templates (null: <see cref="ColdStartPrompts"/> defaults).</param>
/// <param name="MllmPrices">Prices of the MLLM endpoint, for the cost report.</param>
/// <param name="ReasonerPrices">Prices of the reasoning endpoint, for the cost report.</param>
/// <param name="RetryUnformattedReasoning">Retry a step-3 reply that <see cref="ReasoningReply"/> cannot put in the think/answer layout (default: keep it raw, so the CoT filter removes and counts it as truncated or malformed).</param>
public sealed record ColdStartOptions(
    string? MllmModel = null,
    string? ReasonerModel = null,
    int MaxConcurrency = 8,
    int MaxRetries = 6,
    TimeSpan? RetryBaseDelay = null,
    TimeSpan? RequestTimeout = null,
    float? MllmTemperature = null,
    float? ReasonerTemperature = 0.6f,
    int? MaxOutputTokens = null,
    ColdStartPrompts? Prompts = null,
    TokenPrices? MllmPrices = null,
    TokenPrices? ReasonerPrices = null,
    bool RetryUnformattedReasoning = false)
{
    /// <summary>
    /// <paramref name="client"/> with the middleware these options ask for, innermost first: retries
    /// (<see cref="MaxRetries"/>, <see cref="EffectiveRetryBaseDelay"/>, <see cref="EffectiveRequestTimeout"/>), then, when
    /// <paramref name="cacheDirectory"/> is given, a <see cref="Chat.DiskCachingChatClient"/> there. The result owns
    /// <paramref name="client"/>: dispose one of them, not both.
    /// </summary>
    public Microsoft.Extensions.AI.IChatClient Compose(Microsoft.Extensions.AI.IChatClient client, string? cacheDirectory) =>
        Chat.ChatMiddleware.WithRetriesAndCache(client, MaxRetries, EffectiveRetryBaseDelay, EffectiveRequestTimeout, cacheDirectory);

    /// <summary>The first retry delay in effect (1 s by default).</summary>
    public TimeSpan EffectiveRetryBaseDelay => RetryBaseDelay ?? TimeSpan.FromSeconds(1);

    /// <summary>The per-attempt timeout in effect (10 minutes by default: long CoTs are slow).</summary>
    public TimeSpan EffectiveRequestTimeout => RequestTimeout ?? TimeSpan.FromMinutes(10);
}
