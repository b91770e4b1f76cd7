using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using VisionR1.IO;

namespace VisionR1.Data.Chat;

/// <summary>
/// Microsoft.Extensions.AI middleware that keeps every response on disk, keyed by a hash of the request (the messages with
/// their text and image bytes, and the options: model, sampling settings, additional properties such as the step and item
/// id), so a resumed job (a cold-start construction, an evaluation) never pays for a request it already made. Each entry is
/// one JSON file written atomically (temporary file, then rename); a damaged entry counts as absent and is asked again.
/// A response served from disk carries <see cref="CacheHitKey"/> in its <see cref="ChatResponse.AdditionalProperties"/>
/// (<see cref="IsCacheHit"/>). Streaming calls are cached once the stream has been read to its end.
/// </summary>
/// <remarks>
/// Put it outside the retries (<c>new DiskCachingChatClient(new RetryingChatClient(endpoint), dir)</c>, or
/// <c>endpoint.WithRetries().WithDiskCache(dir)</c>): a cached request is answered before any retry policy runs.
/// Responses are cached as the endpoint gave them; a caller that rejects one (e.g. a malformed reply) asks again with a
/// request that differs (the library's pipelines add the attempt number to the options), so a resumed run replays the
/// same sequence of answers.
/// </remarks>
public sealed class DiskCachingChatClient : DelegatingChatClient
{
    /// <summary>The <see cref="ChatResponse.AdditionalProperties"/> key set (to true) on a response served from the cache.</summary>
    public const string CacheHitKey = "visionr1.cache_hit";

    private const string FormatVersion = "visionr1.chat-cache.v1";
    private static readonly JsonSerializerOptions Json = AIJsonUtilities.DefaultOptions;

    /// <summary>Wraps <paramref name="inner"/>, keeping responses under <paramref name="directory"/> (created on the first write).</summary>
    public DiskCachingChatClient(IChatClient inner, string directory) : base(inner)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
        AtomicFile.RemoveOrphansIn(Directory); // temporary files a killed run left
    }

    /// <summary>The cache folder.</summary>
    public string Directory { get; }

    /// <summary>Whether <paramref name="response"/> was served from a <see cref="DiskCachingChatClient"/>'s disk rather than the endpoint.</summary>
    public static bool IsCacheHit(ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.AdditionalProperties?.TryGetValue(CacheHitKey, out var hit) == true && hit is true;
    }

    /// <summary>The cache key of a request: a hash of the JSON of its messages (image bytes included) and options.</summary>
    public static string Key(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return AIJsonUtilities.HashDataToString([FormatVersion, messages as IReadOnlyList<ChatMessage> ?? messages.ToList(), options], Json);
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var key = Key(list, options);
        if (await ReadAsync(key, cancellationToken).ConfigureAwait(false) is { } cached) return cached;
        var response = await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
        await WriteAsync(key, response).ConfigureAwait(false);
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList();
        var key = Key(list, options);
        if (await ReadAsync(key, cancellationToken).ConfigureAwait(false) is { } cached)
        {
            foreach (var update in cached.ToChatResponseUpdates()) yield return update;
            yield break;
        }
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in base.GetStreamingResponseAsync(list, options, cancellationToken).ConfigureAwait(false))
        {
            updates.Add(update);
            yield return update;
        }
        await WriteAsync(key, updates.ToChatResponse()).ConfigureAwait(false);
    }

    private string FileFor(string key) => Path.Combine(Directory, key + ".json");

    private async Task<ChatResponse?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        var path = FileFor(key);
        if (!File.Exists(path)) return null;
        try
        {
            await using var stream = File.OpenRead(path);
            var response = await JsonSerializer.DeserializeAsync<ChatResponse>(stream, Json, cancellationToken).ConfigureAwait(false);
            if (response is null) return null;
            (response.AdditionalProperties ??= [])[CacheHitKey] = true;
            return response;
        }
        catch (JsonException)
        {
            return null; // a damaged entry is asked again and overwritten
        }
    }

    private async Task WriteAsync(string key, ChatResponse response)
    {
        var path = FileFor(key);
        System.IO.Directory.CreateDirectory(Directory);
        // Never cancelled half-way: the request is paid for, so its answer is kept.
        await AtomicFile.WriteAsync(path, (s, _) => JsonSerializer.SerializeAsync(s, response, Json, CancellationToken.None), CancellationToken.None).ConfigureAwait(false);
    }
}
