using Polly;
using Polly.Retry;

namespace VisionR1.Data.ColdStart;

/// <summary>The Polly pipeline every long-running chat job uses: retries with exponential backoff and jitter around a per-attempt timeout.</summary>
public static class ChatResilience
{
    /// <summary>
    /// Retries (up to <paramref name="maxRetries"/>, first delay <paramref name="baseDelay"/>, doubling, capped at two minutes) every
    /// failure <see cref="IsTransient"/> accepts; each attempt gets <paramref name="attemptTimeout"/>.
    /// </summary>
    public static ResiliencePipeline Build(int maxRetries, TimeSpan baseDelay, TimeSpan attemptTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetries);
        var builder = new ResiliencePipelineBuilder();
        if (maxRetries > 0)
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e, args.Context.CancellationToken)),
                MaxRetryAttempts = maxRetries,
                Delay = baseDelay,
                MaxDelay = TimeSpan.FromMinutes(2),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        return builder.AddTimeout(attemptTimeout).Build();
    }

    /// <summary>Whether a failed call is worth retrying: everything except cancellation by the caller, bad arguments and client errors (HTTP 400, 401, 403, 404, 422).</summary>
    public static bool IsTransient(Exception e, CancellationToken callerToken)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e is OperationCanceledException && callerToken.IsCancellationRequested) return false;
        if (e is ArgumentException or NotSupportedException) return false;
        int? status = e is HttpRequestException { StatusCode: { } code } ? (int)code
            : e.GetType().GetProperty("Status")?.GetValue(e) is int s ? s : null; // System.ClientModel.ClientResultException
        return status is not (400 or 401 or 403 or 404 or 422);
    }
}
