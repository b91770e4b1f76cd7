using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VisionR1.IO;

namespace VisionR1.Data.ColdStart;

/// <summary>One cached step result.</summary>
/// <param name="Text">The reply text (for step 3: the formatted CoT).</param>
/// <param name="InputTokens">Input tokens the call spent.</param>
/// <param name="OutputTokens">Output tokens the call spent.</param>
public sealed record StepResult(string Text, long InputTokens, long OutputTokens);

/// <summary>
/// Per-sample, per-step results on disk (<c>DIR/&lt;id-hash&gt;.&lt;step&gt;.json</c>, written atomically), so a
/// crash or cancellation in a later step never pays for an earlier one again.
/// </summary>
/// <param name="directory">The cache folder (created on demand).</param>
public sealed class StepCache(string directory)
{
    /// <summary>The cache folder.</summary>
    public string Directory { get; } = Path.GetFullPath(directory);

    private string FileFor(string id, ColdStartStep step)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..24].ToLowerInvariant();
        return Path.Combine(Directory, $"{hash}.{ColdStartTags.Name(step)}.json");
    }

    /// <summary>Whether the step of sample <paramref name="id"/> is cached.</summary>
    public bool Has(string id, ColdStartStep step) => File.Exists(FileFor(id, step));

    /// <summary>The cached result, or null. A damaged cache file counts as absent.</summary>
    public async Task<StepResult?> TryGetAsync(string id, ColdStartStep step, CancellationToken cancellationToken = default)
    {
        var path = FileFor(id, step);
        if (!File.Exists(path)) return null;
        try
        {
            await using var s = File.OpenRead(path);
            var entry = await JsonSerializer.DeserializeAsync<Entry>(s, cancellationToken: cancellationToken).ConfigureAwait(false);
            return entry is { Id: { } eid, Text: { } text } && eid == id ? new StepResult(text, entry.InputTokens, entry.OutputTokens) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Stores a result atomically (temporary file, then rename).</summary>
    public async Task PutAsync(string id, ColdStartStep step, StepResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        System.IO.Directory.CreateDirectory(Directory);
        var path = FileFor(id, step);
        var entry = new Entry(id, result.Text, result.InputTokens, result.OutputTokens);
        await AtomicFile.WriteAsync(path, (s, _) => JsonSerializer.SerializeAsync(s, entry, cancellationToken: CancellationToken.None), CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Deletes the cached steps of a finished sample.</summary>
    public void Remove(string id)
    {
        foreach (var step in Enum.GetValues<ColdStartStep>())
        {
            var path = FileFor(id, step);
            if (File.Exists(path)) File.Delete(path);
        }
    }

    private sealed record Entry(string Id, string Text, long InputTokens, long OutputTokens);
}
