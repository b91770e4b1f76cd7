using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Polly;

namespace VisionR1.Data.Chat;

/// <summary>
/// Microsoft.Extensions.AI middleware that retries an endpoint's transient failures (<see cref="ChatResilience.IsTransient"/>:
/// everything but caller cancellation and client errors) with exponential backoff and jitter, each attempt under a timeout:
/// the policy of the library's data jobs, for any <see cref="IChatClient"/>. Streaming calls are retried only until the
/// first update arrives.
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
        return _pipeline.ExecuteAsync(token => new ValueTask<ChatResponse>(base.GetResponseAsync(list, options, token)), cancellationToken).AsTask();
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var (enumerator, first) = await _pipeline.ExecuteAsync(async token =>
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
        }, cancellationToken).ConfigureAwait(false);
        await using (enumerator.ConfigureAwait(false))
        {
            if (first is null) yield break;
            yield return first;
            while (await enumerator.MoveNextAsync().ConfigureAwait(false)) yield return enumerator.Current;
        }
    }
}
