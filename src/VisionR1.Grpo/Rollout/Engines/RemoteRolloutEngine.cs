using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using VisionR1.Grpo.Policies;
using VisionR1.Inputs;
using VisionR1.Model.Lora;

namespace VisionR1.Grpo.Rollout.Engines;

/// <summary>
/// Samples GRPO's completions on a serving engine, vLLM or SGLang, over HTTP, and publishes the trainer's weights to it.
/// </summary>
/// <remarks>
/// <para>
/// Sampling: every completion (p, k) of a round is one request with n = 1, its own seed
/// (<see cref="RolloutRequest.CompletionSeed"/>) and its own id (<see cref="RolloutRequest.RequestId"/>, sent as
/// <c>X-Request-Id</c>), so a completion does not depend on which requests share the server's batch, and a retried request
/// asks for the same completion again. At most <see cref="RemoteRolloutOptions.MaxConcurrency"/> requests are in flight; an attempt
/// that loses its connection, passes <see cref="RemoteRolloutOptions.RequestTimeout"/> or gets HTTP 408, 429 or 5xx is retried
/// with exponential backoff; each result is written into its own slot, so a retry neither loses nor duplicates a sample. A bad
/// answer (no token ids, no log-probs, counts that disagree, an unknown finish reason) fails the step with an error naming the request.
/// The server must sample with the trainer's chat template (vLLM answers with the prompt's token ids and the engine compares
/// them for text-only prompts) and stop at the template's end-of-turn token.
/// </para>
/// <para>
/// Weights: <see cref="SyncWeightsAsync"/> writes the policy's weights into <see cref="RemoteRolloutOptions.SharedDirectory"/>
/// (a temporary folder renamed into place) as version n, then either loads the LoRA adapter under the name
/// <c>{prefix}-v{n}</c> (vLLM's <c>/v1/load_lora_adapter</c>, SGLang's <c>/load_lora_adapter</c>) and unloads the previous one,
/// or has SGLang reload the whole model (<c>/update_weights_from_disk</c>). Before each sampling round the engine checks the server
/// still serves the version (vLLM: <c>GET /v1/models</c> lists the adapter; SGLang full weights: <c>GET /get_model_info</c>
/// reports the version's folder; SGLang adapters: a request naming an adapter the server lacks is refused) and fails clearly otherwise.
/// </para>
/// <para>
/// The log-probs the server reports are the behaviour policy's; the trainer weights each token by
/// min(π_old / π_behaviour, C) (<see cref="Training.GrpoOptions.ImportanceSamplingCap"/>). vLLM reports log-probs of the raw
/// logits unless started with <c>--logprobs-mode processed_logprobs</c>: use that mode when sampling at a temperature other than 1.
/// </para>
/// </remarks>
public sealed class RemoteRolloutEngine : IRolloutEngine
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private readonly RemoteRolloutOptions _options;
    private readonly ChatTemplate _template;
    private readonly HttpClient _http;
    private string? _adapterName;
    private string? _servedPath;

    /// <summary>
    /// An engine for the server of <paramref name="options"/>; <paramref name="template"/> is the trainer's chat template (it renders
    /// SGLang's prompts and checks vLLM's tokenization). <paramref name="handler"/> replaces the HTTP handler (tests, proxies).
    /// </summary>
    public RemoteRolloutEngine(RemoteRolloutOptions options, ChatTemplate template, HttpMessageHandler? handler = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _options.Validate();
        _template = template ?? throw new ArgumentNullException(nameof(template));
        handler ??= new SocketsHttpHandler { MaxConnectionsPerServer = options.MaxConcurrency + 2, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan, BaseAddress = options.BaseUrl };
        if (options.ApiKey is { } key) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    }

    /// <summary>The options.</summary>
    public RemoteRolloutOptions Options => _options;

    /// <inheritdoc />
    public string Name => $"remote {_options.Server.ToString().ToLowerInvariant()} {_options.BaseUrl}";

    /// <inheritdoc />
    public bool NeedsWeightSync => true;

    /// <inheritdoc />
    public long? ServedVersion { get; private set; }

    /// <summary>The folder of the served version in the shared folder, or null before the first sync.</summary>
    public string? ServedPath => _servedPath;

    /// <summary>What sampling requests name: the adapter of the served version (LoRA), or null (full weights).</summary>
    public string? ServedAdapter => _adapterName;

    /// <inheritdoc />
    /// <exception cref="RolloutEngineException">No weights were published, the server no longer serves them, a request failed after its retries, or an answer is malformed.</exception>
    public async Task<RolloutResult> GenerateAsync(RolloutRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        if (ServedVersion is null)
            throw new RolloutEngineException($"No weights were published to {_options.BaseUrl} yet: call SyncWeightsAsync before sampling.");
        await CheckServedAsync(cancellationToken).ConfigureAwait(false);

        int groupSize = request.GroupSize;
        var results = new RolloutSample[request.Prompts.Count * groupSize];
        var expectedPromptIds = request.Prompts
            .Select(p => _options.Server == RolloutServer.Vllm && p.Problem.Images.Count == 0 ? _template.Encode(p.Conversation(), addGenerationPrompt: true).InputIds : null)
            .ToArray();
        string path = _options.Server == RolloutServer.Vllm ? "v1/chat/completions" : "generate";
        int retries = 0;
        using var gate = new SemaphoreSlim(_options.MaxConcurrency);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new Task[results.Length];
        for (int i = 0; i < results.Length; i++)
        {
            int p = i / groupSize, k = i % groupSize, slot = i;
            tasks[i] = Task.Run(async () =>
            {
                try
                {
                    string id = request.RequestId(p, k);
                    string body = RolloutWire.Body(_options.Server, _template, request.Prompts[p], request.Settings, request.CompletionSeed(p, k),
                        _options.Model, _adapterName, id).ToJsonString();
                    var (text, tries) = await SendAsync(path, body, id, gate, failed.Token).ConfigureAwait(false);
                    Interlocked.Add(ref retries, tries);
                    results[slot] = RolloutWire.Parse(_options.Server, text, p, k, request.Settings.MaxNewTokens, id, expectedPromptIds[p]);
                }
                catch
                {
                    await failed.CancelAsync().ConfigureAwait(false); // one failed request fails the round: stop the others
                    throw;
                }
            }, CancellationToken.None);
        }
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch
        {
            cancellationToken.ThrowIfCancellationRequested();
            var first = tasks.Select(t => t.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException);
            if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            throw;
        }
        return new RolloutResult(results, retries);
    }

    /// <inheritdoc />
    /// <exception cref="RolloutEngineException">
    /// The policy's weights do not fit the sync mode (LoRA needs an adapter, disk full weights), or the server refused them or
    /// does not report serving them afterwards.
    /// </exception>
    public async Task SyncWeightsAsync(IPolicyModel policy, long version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        string name = $"{_options.VersionPrefix}-v{version}";
        string dir = Path.GetFullPath(Path.Combine(_options.SharedDirectory, name));
        Publish(policy, dir, name);

        if (_options.WeightSync == WeightSyncMode.Lora)
        {
            string prefix = _options.Server == RolloutServer.Vllm ? "v1/" : "";
            if (_adapterName == name) await TryUnloadAsync(prefix, name, cancellationToken).ConfigureAwait(false); // the same version again (a resumed run)
            var load = new JsonObject { ["lora_name"] = name, ["lora_path"] = dir }.ToJsonString();
            var (status, text) = await SendOnceWithRetriesAsync(HttpMethod.Post, prefix + "load_lora_adapter", load, $"load adapter {name}", cancellationToken).ConfigureAwait(false);
            string? refusal = (int)status is >= 200 and < 300 ? SglangRefusal(text) : $"HTTP {(int)status}: {Snippet(text)}";
            if (_options.Server == RolloutServer.Vllm)
            {
                var served = await ListModelsAsync(cancellationToken).ConfigureAwait(false);
                if (!served.Contains(name, StringComparer.Ordinal))
                    throw new RolloutEngineException($"The server at {_options.BaseUrl} does not list adapter '{name}' after loading it from {dir}" +
                        (refusal is null ? "" : $" (the load answered {refusal})") + $"; it lists [{string.Join(", ", served)}]. " +
                        "Start vLLM with --enable-lora (and a --max-lora-rank that fits) and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True, with the shared folder at the same path.");
            }
            else if (refusal is not null)
            {
                throw new RolloutEngineException($"The server at {_options.BaseUrl} refused adapter '{name}' from {dir}: {refusal}. Start SGLang with --enable-lora.");
            }
            if (_adapterName is { } previous && previous != name) await TryUnloadAsync(prefix, previous, cancellationToken).ConfigureAwait(false);
            _adapterName = name;
        }
        else
        {
            var update = new JsonObject { ["model_path"] = dir }.ToJsonString();
            var (status, text) = await SendOnceWithRetriesAsync(HttpMethod.Post, "update_weights_from_disk", update, $"reload weights {name}", cancellationToken).ConfigureAwait(false);
            string? refusal = (int)status is >= 200 and < 300 ? SglangRefusal(text) : $"HTTP {(int)status}: {Snippet(text)}";
            if (refusal is not null)
                throw new RolloutEngineException($"The server at {_options.BaseUrl} did not reload the weights from {dir}: {refusal}");
            _servedPath = dir;
            await CheckModelPathAsync(cancellationToken).ConfigureAwait(false);
        }
        _servedPath = dir;
        ServedVersion = version;
        RemoveOldVersions(version);
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private void Publish(IPolicyModel policy, string dir, string name)
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

    private async Task CheckServedAsync(CancellationToken cancellationToken)
    {
        if (_options.WeightSync == WeightSyncMode.Disk)
        {
            await CheckModelPathAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        if (_options.Server != RolloutServer.Vllm) return; // SGLang refuses a request naming an adapter it does not hold
        var served = await ListModelsAsync(cancellationToken).ConfigureAwait(false);
        if (!served.Contains(_adapterName!, StringComparer.Ordinal))
            throw new RolloutEngineException($"The server at {_options.BaseUrl} does not serve adapter '{_adapterName}' (weight version {ServedVersion}); " +
                $"it lists [{string.Join(", ", served)}]. It may have restarted: publish the weights again before sampling.");
    }

    private async Task CheckModelPathAsync(CancellationToken cancellationToken)
    {
        var (status, text) = await SendOnceWithRetriesAsync(HttpMethod.Get, "get_model_info", null, "get_model_info", cancellationToken).ConfigureAwait(false);
        string? path = null;
        if ((int)status is >= 200 and < 300)
        {
            try { path = JsonNode.Parse(text)?["model_path"]?.GetValue<string>(); }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException) { }
        }
        if (path is null || !string.Equals(Path.GetFullPath(path), _servedPath, StringComparison.Ordinal))
            throw new RolloutEngineException($"The server at {_options.BaseUrl} serves the model at '{path ?? $"(no model_path: HTTP {(int)status} {Snippet(text)})"}', " +
                $"not weight version {ServedVersion} at '{_servedPath}'. It may have restarted: publish the weights again before sampling.");
    }

    private async Task<List<string>> ListModelsAsync(CancellationToken cancellationToken)
    {
        var (status, text) = await SendOnceWithRetriesAsync(HttpMethod.Get, "v1/models", null, "list models", cancellationToken).ConfigureAwait(false);
        if ((int)status is < 200 or >= 300)
            throw new RolloutEngineException($"GET {_options.BaseUrl}v1/models answered HTTP {(int)status}: {Snippet(text)}");
        try
        {
            return (JsonNode.Parse(text)?["data"] as JsonArray ?? []).Select(m => m?["id"]?.GetValue<string>()).OfType<string>().ToList();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            throw new RolloutEngineException($"GET {_options.BaseUrl}v1/models answered something that is not a model list: {Snippet(text)}", e);
        }
    }

    private async Task TryUnloadAsync(string prefix, string name, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["lora_name"] = name }.ToJsonString();
        try
        {
            await SendOnceWithRetriesAsync(HttpMethod.Post, prefix + "unload_lora_adapter", body, $"unload adapter {name}", cancellationToken).ConfigureAwait(false);
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
        catch (System.Text.Json.JsonException)
        {
            // vLLM answers a load with plain text
        }
        return null;
    }

    /// <summary>Sends a control request, retrying connection failures, deadlines and 408/429/5xx; returns the last answer.</summary>
    private async Task<(HttpStatusCode Status, string Text)> SendOnceWithRetriesAsync(HttpMethod method, string path, string? body, string what, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attemptCts.CancelAfter(_options.RequestTimeout);
                using var message = new HttpRequestMessage(method, path);
                if (body is not null) message.Content = new StringContent(body, Encoding.UTF8, "application/json");
                using var response = await _http.SendAsync(message, attemptCts.Token).ConfigureAwait(false);
                string text = await response.Content.ReadAsStringAsync(attemptCts.Token).ConfigureAwait(false);
                if (!Retryable(response.StatusCode) || attempt >= _options.MaxRetries) return (response.StatusCode, text);
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                if (attempt >= _options.MaxRetries)
                    throw new RolloutEngineException($"{what} at {_options.BaseUrl}{path} failed after {attempt + 1} attempts: " +
                        (e is OperationCanceledException ? $"no answer within {_options.RequestTimeout}" : e.Message), e);
            }
            await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends one completion request, holding a slot of <paramref name="gate"/> per attempt; returns the 200 answer and the number of retries.</summary>
    private async Task<(string Text, int Retries)> SendAsync(string path, string body, string id, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            string failure;
            Exception? cause = null;
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attemptCts.CancelAfter(_options.RequestTimeout);
                using var message = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                message.Headers.Add("X-Request-Id", id);
                using var response = await _http.SendAsync(message, attemptCts.Token).ConfigureAwait(false);
                string text = await response.Content.ReadAsStringAsync(attemptCts.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode && !string.IsNullOrWhiteSpace(text)) return (text, attempt);
                if (response.IsSuccessStatusCode) failure = "an empty answer (the connection closed before the body)";
                else
                {
                    if (!Retryable(response.StatusCode))
                        throw new RolloutEngineException(id, $"{_options.BaseUrl}{path} answered HTTP {(int)response.StatusCode}: {Snippet(text)}");
                    failure = $"HTTP {(int)response.StatusCode}: {Snippet(text)}";
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                failure = e is OperationCanceledException ? $"no answer within {_options.RequestTimeout}" : e.Message;
                cause = e;
            }
            finally
            {
                gate.Release();
            }
            if (attempt >= _options.MaxRetries)
                throw new RolloutEngineException(id, $"{_options.BaseUrl}{path} failed after {attempt + 1} attempts; the last: {failure}", cause);
            await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool Retryable(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private TimeSpan Backoff(int attempt)
    {
        double ms = Math.Min(_options.RetryDelay.TotalMilliseconds * Math.Pow(2, attempt), MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms * (0.75 + 0.5 * Random.Shared.NextDouble()));
    }

    private static string Snippet(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
