using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using VisionR1.Grpo.Policies;
using VisionR1.Model.Lora;

namespace VisionR1.Grpo.Rollout.Engines;

/// <summary>
/// The weight half of a <see cref="RemoteRolloutEngine"/>: writes the policy's weights into
/// <see cref="RemoteRolloutOptions.SharedDirectory"/> (a temporary folder renamed into place) as version n, then either loads the LoRA
/// adapter under the name <c>{prefix}-v{n}</c> (vLLM's <c>/v1/load_lora_adapter</c>, SGLang's <c>/load_lora_adapter</c>) and unloads
/// the previous one, or has SGLang reload the whole model (<c>/update_weights_from_disk</c> with <c>weight_version</c>). A refused
/// load (any 4xx, or 500) is not retried. <see cref="CheckServedAsync"/> confirms the server still serves the version (vLLM:
/// <c>GET /v1/models</c> lists the adapter; SGLang full weights: <c>GET /model_info</c>, or the deprecated <c>/get_model_info</c>
/// of older servers, reports the version's folder; SGLang adapters: a request naming an adapter the server lacks is refused).
/// </summary>
internal sealed class WeightPublisher(RemoteCalls calls, ServerDialect dialect)
{
    private readonly RemoteRolloutOptions _options = calls.Options;
    private string? _modelInfoPath;

    /// <summary>What sampling requests name: the adapter of the served version (LoRA), or null (full weights, or nothing published).</summary>
    public string? Adapter { get; private set; }

    /// <summary>The folder of the served version, or null before the first sync.</summary>
    public string? ServedPath { get; private set; }

    /// <summary>The served version, or null before the first sync.</summary>
    public long? Version { get; private set; }

    /// <summary>Publishes <paramref name="policy"/>'s weights as <paramref name="version"/> and checks the server serves them.</summary>
    public async Task PublishAsync(IPolicyModel policy, long version, CancellationToken cancellationToken)
    {
        string name = $"{_options.VersionPrefix}-v{version}";
        string dir = Path.GetFullPath(Path.Combine(_options.SharedDirectory, name));
        Write(policy, dir, name);
        if (_options.WeightSync == WeightSyncMode.Lora) await LoadAdapterAsync(name, dir, cancellationToken).ConfigureAwait(false);
        else
        {
            var update = new JsonObject { ["model_path"] = dir, ["weight_version"] = name }.ToJsonString();
            var (status, text) = await calls.ControlAsync(HttpMethod.Post, "update_weights_from_disk", update, $"reload weights {name}", cancellationToken).ConfigureAwait(false);
            string? refusal = (int)status is >= 200 and < 300 ? SglangRefusal(text) : $"HTTP {(int)status}: {RemoteCalls.Snippet(text)}";
            if (refusal is not null)
                throw new RolloutEngineException($"The server at {_options.BaseUrl} did not reload the weights from {dir}: {refusal}");
            ServedPath = dir;
            await CheckModelPathAsync(version, cancellationToken).ConfigureAwait(false);
        }
        ServedPath = dir;
        Version = version;
        RemoveOldVersions(version);
    }

    /// <summary>Throws when the server no longer serves the published version (restarted, or reloaded by someone else).</summary>
    public async Task CheckServedAsync(CancellationToken cancellationToken)
    {
        if (_options.WeightSync == WeightSyncMode.Disk)
        {
            await CheckModelPathAsync(Version, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (dialect is not VllmDialect) return; // SGLang refuses a request naming an adapter it does not hold
        var served = await ListModelsAsync(cancellationToken).ConfigureAwait(false);
        if (!served.Contains(Adapter!, StringComparer.Ordinal))
            throw new RolloutEngineException($"The server at {_options.BaseUrl} does not serve adapter '{Adapter}' (weight version {Version}); " +
                $"it lists [{string.Join(", ", served)}]. It may have restarted: publish the weights again before sampling.");
    }

    private async Task LoadAdapterAsync(string name, string dir, CancellationToken cancellationToken)
    {
        string prefix = dialect.AdapterPrefix;
        if (Adapter == name) await TryUnloadAsync(prefix, name, cancellationToken).ConfigureAwait(false); // the same version again (a resumed run)
        var load = new JsonObject { ["lora_name"] = name, ["lora_path"] = dir }.ToJsonString();
        var (status, text) = await calls.ControlAsync(HttpMethod.Post, prefix + "load_lora_adapter", load, $"load adapter {name}", cancellationToken).ConfigureAwait(false);
        string? refusal = (int)status is >= 200 and < 300 ? SglangRefusal(text) : $"HTTP {(int)status}: {RemoteCalls.Snippet(text)}";
        if (dialect is VllmDialect)
        {
            var served = await ListModelsAsync(cancellationToken).ConfigureAwait(false);
            if (!served.Contains(name, StringComparer.Ordinal))
                throw new RolloutEngineException($"The server at {_options.BaseUrl} does not list adapter '{name}' after loading it from {dir}" +
                    (refusal is null ? "" : $" (the load answered {refusal})") + $"; it lists [{string.Join(", ", served)}]. " +
                    "Start vLLM with --enable-lora (and a --max-lora-rank that fits) and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True, with the shared folder at the same path.");
        }
        else if (refusal is not null)
        {
            throw new RolloutEngineException($"The server at {_options.BaseUrl} refused adapter '{name}' from {dir}: {refusal}. " +
                "Start SGLang with --enable-lora, --max-lora-rank and --lora-target-modules (both needed without --lora-paths).");
        }
        if (Adapter is { } previous && previous != name) await TryUnloadAsync(prefix, previous, cancellationToken).ConfigureAwait(false);
        Adapter = name;
    }

    private void Write(IPolicyModel policy, string dir, string name)
    {
        Directory.CreateDirectory(_options.SharedDirectory);
        string tmp = Path.Combine(_options.SharedDirectory, $".{name}.tmp-{Guid.NewGuid():N}");
        try
        {
            policy.SaveWeights(tmp);
            bool adapter = PeftAdapterFiles.IsAdapterDirectory(tmp);
            if (_options.WeightSync == WeightSyncMode.Lora && !adapter)
                throw new RolloutEngineException("LoRA weight sync publishes the policy's adapter, but the policy has none: attach one " +
                    "(QwenPolicy.AttachLora, vr1 grpo --lora-r R) or reload full weights from disk (WeightSync = Disk, SGLang).");
            if (_options.WeightSync == WeightSyncMode.Disk && adapter)
                throw new RolloutEngineException("Disk weight sync reloads the whole model, but the policy saves only its LoRA adapter: publish it with WeightSync = Lora.");
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            Directory.Move(tmp, dir);
        }
        finally
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        }
    }

    private void RemoveOldVersions(long current)
    {
        string prefix = _options.VersionPrefix + "-v";
        var versions = Directory.EnumerateDirectories(_options.SharedDirectory, prefix + "*")
            .Select(d => (Dir: d, Ok: long.TryParse(Path.GetFileName(d).AsSpan(prefix.Length), out var v), Version: v))
            .Where(x => x.Ok && x.Version != current)
            .OrderByDescending(x => x.Version)
            .Skip(_options.KeepVersions - 1);
        foreach (var (d, _, _) in versions)
        {
            try { Directory.Delete(d, recursive: true); }
            catch (IOException) { } // still open on the server: removed after a later sync
            catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>SGLang's <c>/model_info</c> (its <c>/get_model_info</c> before that name existed) must report the version's folder.</summary>
    private async Task CheckModelPathAsync(long? version, CancellationToken cancellationToken)
    {
        HttpStatusCode status;
        string text;
        if (_modelInfoPath is null)
        {
            (status, text) = await calls.ControlAsync(HttpMethod.Get, "model_info", null, "model_info", cancellationToken).ConfigureAwait(false);
            if (status == HttpStatusCode.NotFound)
            {
                (status, text) = await calls.ControlAsync(HttpMethod.Get, "get_model_info", null, "get_model_info", cancellationToken).ConfigureAwait(false);
                if ((int)status is >= 200 and < 300) _modelInfoPath = "get_model_info";
            }
            else if ((int)status is >= 200 and < 300) _modelInfoPath = "model_info";
        }
        else (status, text) = await calls.ControlAsync(HttpMethod.Get, _modelInfoPath, null, _modelInfoPath, cancellationToken).ConfigureAwait(false);
        string? path = null, served = null;
        if ((int)status is >= 200 and < 300)
        {
            try
            {
                var info = JsonNode.Parse(text);
                path = info?["model_path"]?.GetValue<string>();
                served = info?["weight_version"]?.GetValue<string>();
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { }
        }
        string expected = $"{_options.VersionPrefix}-v{version}";
        if (path is null || !string.Equals(Path.GetFullPath(path), ServedPath, StringComparison.Ordinal) || (served is not null && served != expected))
            throw new RolloutEngineException($"The server at {_options.BaseUrl} serves the model at '{path ?? $"(no model_path: HTTP {(int)status} {RemoteCalls.Snippet(text)})"}'" +
                (served is null ? "" : $" as weight version '{served}'") + $", not weight version {version} ('{expected}') at '{ServedPath}'. " +
                "It may have restarted: publish the weights again before sampling.");
    }

    private async Task<List<string>> ListModelsAsync(CancellationToken cancellationToken)
    {
        var (status, text) = await calls.ControlAsync(HttpMethod.Get, "v1/models", null, "list models", cancellationToken).ConfigureAwait(false);
        if ((int)status is < 200 or >= 300)
            throw new RolloutEngineException($"GET {_options.BaseUrl}v1/models answered HTTP {(int)status}: {RemoteCalls.Snippet(text)}");
        try
        {
            return (JsonNode.Parse(text)?["data"] as JsonArray ?? []).Select(m => m?["id"]?.GetValue<string>()).OfType<string>().ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new RolloutEngineException($"GET {_options.BaseUrl}v1/models answered something that is not a model list: {RemoteCalls.Snippet(text)}", e);
        }
    }

    private async Task TryUnloadAsync(string prefix, string name, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["lora_name"] = name }.ToJsonString();
        try
        {
            await calls.ControlAsync(HttpMethod.Post, prefix + "unload_lora_adapter", body, $"unload adapter {name}", cancellationToken).ConfigureAwait(false);
        }
        catch (RolloutEngineException)
        {
            // an adapter left loaded costs the server memory, not correctness: requests name the new one
        }
    }

    /// <summary>SGLang answers weight updates with {"success": false, "message"/"error_message": …}; returns that message, or null for success or no such field.</summary>
    private static string? SglangRefusal(string text)
    {
        try
        {
            if (JsonNode.Parse(text) is JsonObject o && o["success"] is JsonValue s && s.TryGetValue<bool>(out var ok) && !ok)
                return (o["message"] ?? o["error_message"])?.ToString() ?? "success: false";
        }
        catch (JsonException)
        {
            // vLLM answers a load with plain text
        }
        return null;
    }
}
