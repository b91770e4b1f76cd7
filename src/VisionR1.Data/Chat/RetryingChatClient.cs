using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Polly;

namespace VisionR1.Data.Chat;

/// <summary>
/// Microsoft.Extensions.AI middleware that retries an endpoint's transient failures (<see cref="ChatResilience.IsTransient"/>:
/// everything but caller cancellation and client errors) with exponential backoff and jitter, each attempt under a timeout:
/// the policy of the library's data jobs, for any <see cref="IChatClient"/>. Streaming calls are retried only until the
/// first update arrives. A failure that is finally given up on leaves with its message passed through
/// <see cref="SecretRedactor"/>: when that removed something, as a <see cref="ChatEndpointException"/> (or an
/// <see cref="HttpRequestException"/> with the same status) that no longer carries the original.
/// </summary>
/// <example><code>IChatClient teacher = new RetryingChatClient(endpointClient, maxRetries: 5);</code></example>
public sealed class RetryingChatClient : DelegatingChatClient
{
    private readonly ResiliencePipeline _pipeline;

    /// <summary>Wraps <paramref name="inner"/>: up to <paramref name="maxRetries"/> retries, the first after <paramref name="baseDelay"/> (1 s when null), each attempt limited to <paramref name="attemptTimeout"/> (10 minutes when null).</summary>
    public RetryingChatClient(IChatClient inner, int maxRetries = 3, TimeSpan? baseDelay = null, TimeSpan? attemptTimeout = null) : base(inner)
    {
        _pipeline = ChatResilience.Build(maxRetries, baseDelay ?? TimeSpan.FromSeconds(1), attemptTimeout ?? TimeSpan.FromMinutes(10));
    }

    /// <inheritdoc />
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        return Redacting(_pipeline.ExecuteAsync(token => new ValueTask<ChatResponse>(base.GetResponseAsync(list, options, token)), cancellationToken).AsTask());
    }

    /// <summary>
    /// <paramref name="failure"/> without secrets: itself when <see cref="SecretRedactor.Redact"/> finds nothing in its messages
    /// (its own and inner ones), else a new exception with the redacted message and the status.
    /// </summary>
    public static Exception Redact(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (failure is OperationCanceledException) return failure;
        bool secret = false;
        for (var e = failure; e is not null; e = e.InnerException)
            secret |= SecretRedactor.Redact(e.Message) != e.Message;
        if (!secret) return failure;
        var message = SecretRedactor.Redact(failure.Message)!;
        return failure switch
        {
            HttpRequestException h => new HttpRequestException(message, null, h.StatusCode),
            _ => new ChatEndpointException(message, failure.GetType().GetProperty("Status")?.GetValue(failure) as int?),
        };
    }

    private static async Task<T> Redacting<T>(Task<T> call)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (Exception e) when (Redact(e) is var clean && !ReferenceEquals(clean, e))
        {
            throw clean;
        }
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var (enumerator, first) = await Redacting(_pipeline.ExecuteAsync(async token =>
        {
            var e = base.GetStreamingResponseAsync(list, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                return (e, await e.MoveNextAsync().ConfigureAwait(false) ? e.Current : null);
            }
            catch
            {
                await e.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }, cancellationToken).AsTask()).ConfigureAwait(false);
        await using (enumerator.ConfigureAwait(false))
        {
            if (first is null) yield break;
            yield return first;
            while (await Redacting(enumerator.MoveNextAsync().AsTask()).ConfigureAwait(false)) yield return enumerator.Current;
        }
    }
}
