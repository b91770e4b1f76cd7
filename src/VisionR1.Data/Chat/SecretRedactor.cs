using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace VisionR1.Data.Chat;

/// <summary>
/// Removes secrets from text that came back from an endpoint (error messages that echo a request's headers, for example)
/// before it is printed or logged: every registered secret (<see cref="AddSecret"/>: the configured API keys), and
/// anything shaped like a credential — <c>Bearer …</c> / <c>Basic …</c>, OpenAI-style <c>sk-…</c> keys, Hugging Face
/// <c>hf_…</c>, GitHub <c>ghp_…</c>, Slack <c>xox…-</c>, AWS <c>AKIA…</c> keys, JSON web tokens, and the value after
/// <c>key=</c>, <c>api_key:</c>, <c>token=</c>, <c>secret=</c>, <c>password=</c> or an <c>Authorization</c> header.
/// Each is replaced by <see cref="Mask"/>.
/// </summary>
public static partial class SecretRedactor
{
    /// <summary>What a removed secret is replaced with.</summary>
    public const string Mask = "[REDACTED]";

    /// <summary>Registered secrets shorter than this are not matched literally (they would mask ordinary words).</summary>
    public const int MinimumSecretLength = 6;

    private static readonly ConcurrentDictionary<string, byte> Secrets = new(StringComparer.Ordinal);

    /// <summary>Registers <paramref name="secret"/> (e.g. an API key read from the environment) to be removed from every redacted text of this process.</summary>
    public static void AddSecret(string? secret)
    {
        if (secret is { Length: >= MinimumSecretLength }) Secrets.TryAdd(secret, 0);
    }

    /// <summary>
    /// <paramref name="text"/> with every registered secret, every one of <paramref name="secrets"/> and every credential-shaped
    /// token replaced by <see cref="Mask"/>. Null stays null.
    /// </summary>
    public static string? Redact(string? text, IEnumerable<string?>? secrets = null)
    {
        if (string.IsNullOrEmpty(text)) return text;
        foreach (var s in Secrets.Keys.Concat(secrets?.OfType<string>() ?? []).Where(s => s.Length >= MinimumSecretLength).OrderByDescending(s => s.Length))
            text = text.Replace(s, Mask, StringComparison.Ordinal);
        text = AuthScheme().Replace(text, m => m.Groups[1].Value + " " + Mask);
        text = KeyValue().Replace(text, m => m.Groups[1].Value + Mask);
        text = KnownToken().Replace(text, Mask);
        return text;
    }

    // "Bearer abc.def", "Basic dXNlcjpwYXNz", also after "Authorization:".
    [GeneratedRegex(@"\b(Bearer|Basic|Token)\s+[A-Za-z0-9\-._~+/=:]{6,}", RegexOptions.IgnoreCase)]
    private static partial Regex AuthScheme();

    // key=..., api_key: "...", "x-api-key": "...", token=..., secret=..., password=..., authorization: ... (up to a delimiter).
    [GeneratedRegex(@"((?:api[_-]?key|x-api-key|access[_-]?token|refresh[_-]?token|auth[_-]?token|token|secret|password|passwd|key|authorization)[""']?\s*[:=]\s*[""']?)(?!\[REDACTED\])[^\s""'&,;}\]]{6,}", RegexOptions.IgnoreCase)]
    private static partial Regex KeyValue();

    // Credential shapes that stand alone: OpenAI sk-/sk-proj-, Hugging Face hf_, GitHub gh?_, Slack xox?-, AWS AKIA, JWTs.
    [GeneratedRegex(@"\b(?:sk-[A-Za-z0-9_\-]{8,}|hf_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abprs]-[A-Za-z0-9\-]{10,}|AKIA[0-9A-Z]{16}|eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})")]
    private static partial Regex KnownToken();
}
