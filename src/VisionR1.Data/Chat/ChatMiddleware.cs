using Microsoft.Extensions.AI;

namespace VisionR1.Data.Chat;

/// <summary>
/// Composes the library's chat middleware around any <see cref="IChatClient"/>, innermost first:
/// <c>endpoint.WithRetries(maxRetries: 5).WithDiskCache("run/steps")</c> answers cached requests from disk and retries the rest.
/// Each call returns a new <see cref="DelegatingChatClient"/> that owns (and disposes) the client it wraps.
/// </summary>
public static class ChatMiddleware
{
    /// <summary>Wraps <paramref name="client"/> in a <see cref="RetryingChatClient"/> (see its constructor for the defaults).</summary>
    public static IChatClient WithRetries(this IChatClient client, int maxRetries = 3, TimeSpan? baseDelay = null, TimeSpan? attemptTimeout = null) =>
        new RetryingChatClient(client, maxRetries, baseDelay, attemptTimeout);

    /// <summary>Wraps <paramref name="client"/> in a <see cref="DiskCachingChatClient"/> keeping responses under <paramref name="directory"/>.</summary>
    public static IChatClient WithDiskCache(this IChatClient client, string directory) => new DiskCachingChatClient(client, directory);

    /// <summary>
    /// <paramref name="client"/> with retries (<see cref="WithRetries"/>) and, when <paramref name="cacheDirectory"/> is given, a
    /// disk cache outside them (<see cref="WithDiskCache"/>): what the cold-start and evaluation options compose.
    /// </summary>
    public static IChatClient WithRetriesAndCache(this IChatClient client, int maxRetries, TimeSpan? baseDelay, TimeSpan? attemptTimeout, string? cacheDirectory)
    {
        var retrying = client.WithRetries(maxRetries, baseDelay, attemptTimeout);
        return cacheDirectory is null ? retrying : retrying.WithDiskCache(cacheDirectory);
    }
}
