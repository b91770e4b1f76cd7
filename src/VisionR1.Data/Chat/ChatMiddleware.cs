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
}
