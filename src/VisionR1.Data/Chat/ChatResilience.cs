using Polly;
using Polly.Retry;

namespace VisionR1.Data.Chat;

/// <summary>The Polly pipeline every long-running chat job uses: retries with exponential backoff and jitter around a per-attempt timeout.</summary>
public static class ChatResilience
{
    /// <summary>
    /// Retries (up to <paramref name="maxRetries"/>, first delay <paramref name="baseDelay"/>, doubling, capped at two minutes) every
    /// failure <see cref="IsTransient"/> accepts; each attempt gets <paramref name="attemptTimeout"/>. When the failed response says
    /// when to retry (<see cref="RetryAfter"/>), that wait is used instead, capped by <paramref name="attemptTimeout"/>.
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
                // A server that says when to come back (429/503 with Retry-After) is waited for, up to the attempt timeout.
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is { } e && RetryAfter(e, DateTimeOffset.UtcNow) is { } wait
                    ? (TimeSpan?)(wait < attemptTimeout ? wait : attemptTimeout)
                    : null),
            });
        return builder.AddTimeout(attemptTimeout).Build();
    }

    /// <summary>
    /// How long the server asked the client to wait before retrying, from the <c>Retry-After</c> header (delta-seconds or an
    /// HTTP-date, relative to <paramref name="now"/>; or <c>retry-after-ms</c>) of the HTTP response carried by
    /// <paramref name="failure"/> or an inner exception (System.ClientModel's <c>ClientResultException.GetRawResponse()</c>, as the
    /// OpenAI client throws). Null when there is no such header or it cannot be read.
    /// </summary>
    public static TimeSpan? RetryAfter(Exception failure, DateTimeOffset now)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e.GetType().GetMethod("GetRawResponse", Type.EmptyTypes)?.Invoke(e, null) is not { } response) continue;
            if (response.GetType().GetProperty("Headers")?.GetValue(response) is not { } headers) continue;
            var tryGet = headers.GetType().GetMethod("TryGetValue", [typeof(string), typeof(string).MakeByRefType()]);
            if (tryGet is null) continue;
            string? Header(string name)
            {
                object?[] call = [name, null];
                return tryGet.Invoke(headers, call) is true ? call[1] as string : null;
            }
            if (Header("retry-after-ms") is { } ms && double.TryParse(ms, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var millis) && millis >= 0)
                return TimeSpan.FromMilliseconds(millis);
            if (Header("Retry-After") is { } value) return ParseRetryAfter(value, now);
        }
        return null;
    }

    /// <summary>A <c>Retry-After</c> value (delta-seconds or HTTP-date) as a wait from <paramref name="now"/> (never negative); null when malformed.</summary>
    public static TimeSpan? ParseRetryAfter(string value, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(value);
        value = value.Trim();
        if (long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
            return TimeSpan.FromSeconds(Math.Min(seconds, (long)TimeSpan.MaxValue.TotalSeconds - 1));
        if (DateTimeOffset.TryParseExact(value, "r", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var date))
            return date > now ? date - now : TimeSpan.Zero;
        return null;
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
