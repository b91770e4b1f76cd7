using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace VisionR1.Grpo.Rollout.Engines;

/// <summary>An attempt that failed in a way worth another try (a status the caller retries, or an empty answer).</summary>
internal sealed class TransientFailureException(string message) : Exception(message);

/// <summary>
/// The HTTP side of a <see cref="RemoteRolloutEngine"/>: one client for the server, and the Polly pipelines its calls run through —
/// retries with exponential backoff and jitter (<see cref="RemoteRolloutOptions.MaxRetries"/>, <see cref="RemoteRolloutOptions.RetryDelay"/>,
/// at most 30 s apart) of lost connections, deadlines and <see cref="TransientFailureException"/>s, and a deadline per attempt
/// (<see cref="RemoteRolloutOptions.RequestTimeout"/>) that starts when the attempt is sent, not while it waits for a slot.
/// </summary>
internal sealed class RemoteCalls : IDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    public RemoteCalls(RemoteRolloutOptions options, string dialect, HttpMessageHandler? handler)
    {
        Options = options;
        Server = $"{dialect} at {options.BaseUrl}";
        handler ??= new SocketsHttpHandler { MaxConnectionsPerServer = options.MaxConcurrency + 2, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        Http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan, BaseAddress = options.BaseUrl };
        if (options.ApiKey is { } key) Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var retry = new ResiliencePipelineBuilder();
        if (options.MaxRetries > 0)
            retry.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e, args.Context.CancellationToken)),
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryDelay,
                MaxDelay = MaxBackoff,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        Retry = retry.Build();
        Deadline = new ResiliencePipelineBuilder().AddTimeout(options.RequestTimeout).Build();
    }

    /// <summary>The options.</summary>
    public RemoteRolloutOptions Options { get; }

    /// <summary>How messages name the server ("vllm at http://…").</summary>
    public string Server { get; }

    /// <summary>The client (base address: the server's root).</summary>
    public HttpClient Http { get; }

    /// <summary>Retries transient failures of the whole call.</summary>
    public ResiliencePipeline Retry { get; }

    /// <summary>Bounds one attempt by <see cref="RemoteRolloutOptions.RequestTimeout"/> (throws <see cref="TimeoutRejectedException"/>).</summary>
    public ResiliencePipeline Deadline { get; }

    /// <summary>Whether <paramref name="e"/>, thrown by an attempt, is worth another: not the caller's cancellation, not a definite answer.</summary>
    public static bool IsTransient(Exception e, CancellationToken caller) =>
        !(e is OperationCanceledException && caller.IsCancellationRequested)
        && e is TransientFailureException or HttpRequestException or IOException or TimeoutRejectedException;

    /// <summary>A transient failure as a message.</summary>
    public string Describe(Exception e) => e is TimeoutRejectedException ? $"no answer within {Options.RequestTimeout}" : e.Message;

    /// <summary>
    /// A control request (weights, adapters, model info) with retries of lost connections, deadlines and HTTP 408, 429, 502, 503 and
    /// 504; any other answer, a 500 included (a failed adapter load), is returned at once for the caller to judge.
    /// </summary>
    /// <exception cref="RolloutEngineException">No answer after the retries.</exception>
    public async Task<(HttpStatusCode Status, string Text)> ControlAsync(HttpMethod method, string path, string? body, string what, CancellationToken cancellationToken)
    {
        int attempts = 0;
        try
        {
            return await Retry.ExecuteAsync(async token =>
            {
                attempts++;
                return await Deadline.ExecuteAsync(async attemptToken =>
                {
                    using var message = new HttpRequestMessage(method, path);
                    if (body is not null) message.Content = new StringContent(body, Encoding.UTF8, "application/json");
                    using var response = await Http.SendAsync(message, attemptToken).ConfigureAwait(false);
                    string text = await response.Content.ReadAsStringAsync(attemptToken).ConfigureAwait(false);
                    if (response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway
                        or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout)
                        throw new TransientFailureException($"HTTP {(int)response.StatusCode}: {Snippet(text)}");
                    return (response.StatusCode, text);
                }, token).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransient(e, cancellationToken))
        {
            throw new RolloutEngineException($"{what} at {Options.BaseUrl}{path} failed after {attempts} attempts: {Describe(e)}", e);
        }
    }

    /// <summary>The first 300 characters of a server's text.</summary>
    public static string Snippet(string text) => text.Length <= 300 ? text : text[..300] + "…";

    /// <inheritdoc />
    public void Dispose() => Http.Dispose();
}
