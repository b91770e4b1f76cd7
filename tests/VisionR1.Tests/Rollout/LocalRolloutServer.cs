using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rollout;
using VisionR1.Inputs;
using VisionR1.Model.Lora;
using VisionR1.Problems;
using static TorchSharp.torch;

namespace VisionR1.Tests.Rollout;

/// <summary>What <see cref="LocalRolloutServer"/> does wrong to one completion request.</summary>
public enum ServerFault
{
    None,
    /// <summary>Generates, then closes the connection without an answer (a server that dies mid-request).</summary>
    DropAfterGenerating,
    /// <summary>Answers HTTP 500 without generating.</summary>
    Http500,
    /// <summary>Answers 200 without <c>logprobs</c> (vLLM) / <c>output_token_logprobs</c> (SGLang).</summary>
    MissingLogProbs,
    /// <summary>Answers 200 with text tokens instead of <c>token_id:N</c> (a server that ignored <c>return_tokens_as_token_ids</c>).</summary>
    TextTokens,
    /// <summary>Answers 200 with one id fewer in <c>token_ids</c> than log-probs.</summary>
    ShortTokenIds,
    /// <summary>Answers nothing for longer than the client's deadline, then drops the connection.</summary>
    Stall,
    /// <summary>Answers 200 without <c>prompt_token_ids</c> (vLLM) / <c>prompt_tokens</c> (SGLang).</summary>
    MissingPromptIds,
    /// <summary>Answers 200 without <c>token_ids</c> (a vLLM that ignored <c>return_token_ids</c>).</summary>
    MissingTokenIds,
    /// <summary>Answers 200 with the first token replaced by id 1,000,000,000 (outside any vocabulary).</summary>
    TokenOutsideVocabulary,
    /// <summary>Answers 200 with the first log-prob at vLLM's clamp for −∞ (−9999).</summary>
    ClampedLogProb,
}

/// <summary>How a vLLM server renders a user turn whose content is a list of parts (vLLM's <c>--chat-template-content-format</c>).</summary>
public enum ContentFormat
{
    /// <summary>
    /// "string": the parts are flattened into one string, each image as its placeholder, joined to the text by "\n"
    /// (what vLLM detects for a template that reads <c>message['content']</c> as a string).
    /// </summary>
    String,
    /// <summary>"openai": the parts go to the template as a list, each image rendered by the template where it stands.</summary>
    Openai,
}

/// <summary>
/// A real HTTP server on 127.0.0.1 implementing the endpoints a rollout engine uses, over the library's own model, as strict as the
/// real servers where they differ from what a client may assume: vLLM's <c>/v1/chat/completions</c> (token ids through
/// <c>return_tokens_as_token_ids</c> and <c>return_token_ids</c>, log-probs), <c>/v1/models</c>, <c>/v1/load_lora_adapter</c>,
/// <c>/v1/unload_lora_adapter</c>; SGLang's <c>/generate</c>, <c>/load_lora_adapter</c>, <c>/unload_lora_adapter</c>,
/// <c>/update_weights_from_disk</c>, <c>/model_info</c> and the deprecated <c>/get_model_info</c>.
/// </summary>
/// <remarks>
/// Like the real servers it
/// fills every sampling field a request leaves out from a <c>generation_config.json</c> (<see cref="GenerationConfig"/>, by default
/// the values reported for Qwen2.5-VL-7B-Instruct: top-k 1, repetition penalty 1.05), renders a vLLM user turn with images as its
/// <see cref="VllmContentFormat"/> says, answers vLLM's expanded prompt ids, ignores SGLang's <c>sampling_seed</c> unless started
/// deterministic (<see cref="SglangDeterministic"/>) and refuses seeds an int32 cannot hold, and refuses a request id that is
/// already in flight (vLLM before its PR 27987). Penalties and min-p other than neutral are refused by name: the loopback model
/// does not implement them, and a real server would sample from another distribution than the trainer's.
/// It samples completion by completion through <see cref="IPolicyModel.Generate"/> and reports the log-probs of the sampled
/// tokens as the trainer computes them (<see cref="CompletionLogProbs.Compute"/> on the one sequence, module in train mode), so a
/// synced server and a trainer with micro-batches of one agree. Requests are served one at a time (one model); faults are injected
/// per (request, attempt), where a request is named by its id without the engine's attempt suffix. The server owns the policy.
/// </remarks>
internal sealed class LocalRolloutServer : IAsyncDisposable
{
    private static readonly Regex AttemptSuffix = new(@"\.[0-9a-f]+\.\d+$", RegexOptions.CultureInvariant);
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly QwenPolicy _policy;
    private readonly ChatPromptEncoder _encoder;
    private readonly SemaphoreSlim _modelGate = new(1);
    private readonly ConcurrentDictionary<Task, byte> _handlers = new();
    private readonly ConcurrentDictionary<string, byte> _inFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Path, Dictionary<string, Tensor> Weights)> _adapters = new(StringComparer.Ordinal);
    private readonly string _initialPath;
    private string? _activeAdapter;
    private long _serverSeeds = 12345;

    public LocalRolloutServer(QwenPolicy policy, ChatTemplate template, string modelName, string modelPath)
    {
        _policy = policy;
        _encoder = new ChatPromptEncoder(template);
        ModelName = modelName;
        ModelPath = _initialPath = modelPath;
        int port = FreePort();
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseUrl.ToString());
        _listener.Start();
        _loop = Task.Run(AcceptLoop);
    }

    public Uri BaseUrl { get; }
    public string ModelName { get; }
    public string ModelPath { get; private set; }
    public string? WeightVersion { get; private set; }
    public QwenPolicy Policy => _policy;

    /// <summary>
    /// What a request's omitted sampling fields become (a model's <c>generation_config.json</c>, vLLM's <c>--generation-config auto</c>
    /// and SGLang's model sampling defaults). Qwen2.5-VL-7B-Instruct's reported values by default; empty for a server started with
    /// <c>--generation-config vllm</c>.
    /// </summary>
    public Dictionary<string, double> GenerationConfig { get; set; } = new(StringComparer.Ordinal) { ["top_k"] = 1, ["repetition_penalty"] = 1.05 };

    /// <summary>How vLLM renders content parts (vLLM's <c>--chat-template-content-format</c>); "string" unless told.</summary>
    public ContentFormat VllmContentFormat { get; set; } = ContentFormat.String;

    /// <summary>Whether SGLang honours <c>sampling_seed</c> (<c>--enable-deterministic-inference</c>); otherwise it draws its own seeds.</summary>
    public bool SglangDeterministic { get; set; }

    /// <summary>When set, only the deprecated <c>/get_model_info</c> is served (an SGLang before <c>/model_info</c>).</summary>
    public bool LegacyModelInfoOnly { get; set; }

    /// <summary>When set, adapter loads answer this HTTP status without loading.</summary>
    public int? AdapterLoadStatus { get; set; }

    /// <summary>Attempts per request (the request id without the engine's attempt suffix).</summary>
    public ConcurrentDictionary<string, int> Hits { get; } = new();

    /// <summary>Completions answered with 200 per request.</summary>
    public ConcurrentDictionary<string, int> Served { get; } = new();

    /// <summary>Every <c>X-Request-Id</c> received, in order of arrival.</summary>
    public ConcurrentQueue<string> WireIds { get; } = new();

    /// <summary>Per request, the sampling parameters the server used after filling omitted fields (field → value).</summary>
    public ConcurrentDictionary<string, IReadOnlyDictionary<string, double>> Effective { get; } = new();

    /// <summary>Deprecated request fields the server was sent ("max_tokens").</summary>
    public ConcurrentQueue<string> Deprecated { get; } = new();

    /// <summary>Requests to the control endpoints, in order ("POST /v1/load_lora_adapter vr1-v0").</summary>
    public ConcurrentQueue<string> ControlCalls { get; } = new();

    /// <summary>(request id, attempt starting at 1) → the fault to inject.</summary>
    public Func<string, int, ServerFault>? Faults { get; set; }

    /// <summary>When set, weight loads and reloads answer success but change nothing (a server that did not take the update).</summary>
    public bool IgnoreWeightUpdates { get; set; }

    /// <summary>The adapters loaded now, by name.</summary>
    public IReadOnlyCollection<string> Adapters { get { lock (_adapters) return _adapters.Keys.ToList(); } }

    /// <summary>Forgets every loaded adapter and reloaded weight path, as a restarted server would.</summary>
    public void Restart()
    {
        lock (_adapters)
        {
            foreach (var (_, (_, weights)) in _adapters) foreach (var t in weights.Values) t.Dispose();
            _adapters.Clear();
        }
        ModelPath = _initialPath;
        WeightVersion = null;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync().ConfigureAwait(false); }
            catch (Exception) when (_stop.IsCancellationRequested || !_listener.IsListening) { return; }
            catch (HttpListenerException) { continue; }
            var handler = Task.Run(() => HandleAsync(ctx));
            _handlers.TryAdd(handler, 0);
            _ = handler.ContinueWith(t => _handlers.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task HandleAsync(HttpListenerContext ctx)
    {
        try
        {
            string body;
            using (var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8)) body = await reader.ReadToEndAsync().ConfigureAwait(false);
            string path = ctx.Request.Url!.AbsolutePath;
            string method = ctx.Request.HttpMethod;
            switch (method, path)
            {
                case ("POST", "/v1/chat/completions"):
                case ("POST", "/generate"):
                    await CompleteAsync(ctx, JsonNode.Parse(body)!.AsObject(), path == "/generate").ConfigureAwait(false);
                    return;
                case ("GET", "/v1/models"):
                    await Respond(ctx, 200, Models()).ConfigureAwait(false);
                    return;
                case ("POST", "/v1/load_lora_adapter"):
                case ("POST", "/load_lora_adapter"):
                    await LoadAdapterAsync(ctx, JsonNode.Parse(body)!.AsObject(), vllm: path.StartsWith("/v1/", StringComparison.Ordinal)).ConfigureAwait(false);
                    return;
                case ("POST", "/v1/unload_lora_adapter"):
                case ("POST", "/unload_lora_adapter"):
                {
                    var name = JsonNode.Parse(body)!["lora_name"]!.GetValue<string>();
                    ControlCalls.Enqueue($"{method} {path} {name}");
                    bool removed;
                    lock (_adapters)
                    {
                        removed = _adapters.Remove(name, out var gone);
                        if (removed) foreach (var t in gone.Weights.Values) t.Dispose();
                    }
                    await Respond(ctx, removed ? 200 : 404, removed ? $"Success: LoRA adapter '{name}' removed successfully." : Error($"The lora adapter '{name}' cannot be found.", 404)).ConfigureAwait(false);
                    return;
                }
                case ("POST", "/update_weights_from_disk"):
                {
                    var request = JsonNode.Parse(body)!;
                    var modelPath = request["model_path"]!.GetValue<string>();
                    ControlCalls.Enqueue($"{method} {path} {modelPath}");
                    if (!IgnoreWeightUpdates)
                    {
                        await _modelGate.WaitAsync().ConfigureAwait(false);
                        try
                        {
                            _policy.LoadWeights(modelPath);
                            ModelPath = modelPath;
                            WeightVersion = request["weight_version"]?.GetValue<string>();
                        }
                        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException)
                        {
                            await Respond(ctx, 400, new JsonObject { ["success"] = false, ["message"] = $"Failed to load {modelPath}: {e.Message}" }.ToJsonString()).ConfigureAwait(false);
                            return;
                        }
                        finally
                        {
                            _modelGate.Release();
                        }
                    }
                    await Respond(ctx, 200, new JsonObject { ["success"] = true, ["message"] = "Succeeded to update model weights." }.ToJsonString()).ConfigureAwait(false);
                    return;
                }
                case ("GET", "/model_info") when !LegacyModelInfoOnly:
                case ("GET", "/get_model_info"):
                    ControlCalls.Enqueue($"{method} {path}");
                    await Respond(ctx, 200, new JsonObject { ["model_path"] = ModelPath, ["is_generation"] = true, ["weight_version"] = WeightVersion ?? "default" }.ToJsonString()).ConfigureAwait(false);
                    return;
                default:
                    await Respond(ctx, 404, Error($"{method} {path} is not served here.", 404)).ConfigureAwait(false);
                    return;
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // the client went away
        }
    }

    private string Models()
    {
        var data = new JsonArray { new JsonObject { ["id"] = ModelName, ["object"] = "model", ["root"] = ModelPath, ["parent"] = null } };
        lock (_adapters)
            foreach (var (name, (path, _)) in _adapters)
                data.Add(new JsonObject { ["id"] = name, ["object"] = "model", ["root"] = path, ["parent"] = ModelName });
        return new JsonObject { ["object"] = "list", ["data"] = data }.ToJsonString();
    }

    private async Task LoadAdapterAsync(HttpListenerContext ctx, JsonObject body, bool vllm)
    {
        var name = body["lora_name"]!.GetValue<string>();
        var path = body["lora_path"]!.GetValue<string>();
        ControlCalls.Enqueue($"POST {(vllm ? "/v1/" : "/")}load_lora_adapter {name}");
        if (AdapterLoadStatus is { } status)
        {
            await Respond(ctx, status, Error($"Loading lora {name} failed: injected failure", status)).ConfigureAwait(false);
            return;
        }
        string? error = null;
        lock (_adapters)
            if (_adapters.ContainsKey(name)) error = $"The lora adapter '{name}' has already been loaded.";
        if (error is null && !PeftAdapterFiles.IsAdapterDirectory(path)) error = $"No adapter found at {path}.";
        if (error is null && !IgnoreWeightUpdates)
        {
            await _modelGate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_policy.Lora is null) _policy.LoadLora(path);
                else _policy.Lora.Load(path);
                var weights = _policy.Lora!.NamedTensors().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope(), StringComparer.Ordinal);
                lock (_adapters) _adapters[name] = (path, weights);
                _activeAdapter = name;
            }
            finally
            {
                _modelGate.Release();
            }
        }
        if (vllm)
            await Respond(ctx, error is null ? 200 : 400, error is null ? $"Success: LoRA adapter '{name}' added successfully." : Error(error, 400)).ConfigureAwait(false);
        else
            await Respond(ctx, 200, new JsonObject { ["success"] = error is null, ["error_message"] = error ?? "" }.ToJsonString()).ConfigureAwait(false);
    }

    private async Task CompleteAsync(HttpListenerContext ctx, JsonObject body, bool sglang)
    {
        string wireId = ctx.Request.Headers["X-Request-Id"] ?? "(none)";
        WireIds.Enqueue(wireId);
        if (!_inFlight.TryAdd(wireId, 0))
        {
            await Respond(ctx, 400, Error($"Request id {wireId} is already running.", 400)).ConfigureAwait(false);
            return;
        }
        try
        {
            await CompleteInFlightAsync(ctx, body, sglang, AttemptSuffix.Replace(wireId, "")).ConfigureAwait(false);
        }
        finally
        {
            _inFlight.TryRemove(wireId, out _);
        }
    }

    private async Task CompleteInFlightAsync(HttpListenerContext ctx, JsonObject body, bool sglang, string id)
    {
        int attempt = Hits.AddOrUpdate(id, 1, (_, n) => n + 1);
        var fault = Faults?.Invoke(id, attempt) ?? ServerFault.None;
        if (fault == ServerFault.Stall)
        {
            try { await Task.Delay(TimeSpan.FromSeconds(6), _stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
            ctx.Response.Abort();
            return;
        }
        if (fault == ServerFault.Http500)
        {
            await Respond(ctx, 500, Error("injected failure", 500)).ConfigureAwait(false);
            return;
        }

        string? adapter;
        GrpoPrompt grpoPrompt;
        JsonObject sampling;
        if (sglang)
        {
            adapter = body["lora_path"]?.GetValue<string>();
            string text = body["text"]!.GetValue<string>();
            var images = (body["image_data"] as JsonArray ?? []).Select(u => Image(u!.GetValue<string>())).ToList();
            const string open = "<|im_start|>user\n";
            int start = text.IndexOf(open, StringComparison.Ordinal) + open.Length;
            string user = text[start..text.IndexOf("<|im_end|>", start, StringComparison.Ordinal)];
            string question = user.Replace("<|vision_start|><|image_pad|><|vision_end|>", "", StringComparison.Ordinal);
            grpoPrompt = new GrpoPrompt(new MathProblem("served", images, question, ""), question);
            // SGLang renders nothing itself: the text must be the chat template's, with one pad per image (expanded by its processor).
            if (text != _encoder.Template.Render(_encoder.Images.Resolve(grpoPrompt.Conversation()), addGenerationPrompt: true))
            {
                await Respond(ctx, 400, Error("the prompt text is not what the chat template renders", 400)).ConfigureAwait(false);
                return;
            }
            sampling = body["sampling_params"]?.AsObject() ?? [];
        }
        else
        {
            string model = body["model"]!.GetValue<string>();
            adapter = model == ModelName ? null : model;
            var user = body["messages"]!.AsArray().Last(m => m!["role"]!.GetValue<string>() == "user")!;
            if (user["content"] is JsonArray parts)
            {
                var images = parts.Where(q => q!["type"]!.GetValue<string>() == "image_url").Select(q => Image(q!["image_url"]!["url"]!.GetValue<string>())).ToList();
                string text = string.Join("\n", parts.Where(q => q!["type"]!.GetValue<string>() == "text").Select(q => q!["text"]!.GetValue<string>()));
                // vLLM's "string" format flattens the parts: the image placeholders, then the text, joined by newlines.
                string asked = VllmContentFormat == ContentFormat.String && images.Count > 0 ? "\n" + text : text;
                grpoPrompt = new GrpoPrompt(new MathProblem("served", images, text, ""), asked);
            }
            else grpoPrompt = new GrpoPrompt("served", user["content"]!.GetValue<string>(), "");
            sampling = body;
            if (body["max_tokens"] is not null) Deprecated.Enqueue("max_tokens");
        }
        if (adapter is not null)
        {
            bool known;
            lock (_adapters) known = _adapters.ContainsKey(adapter);
            if (!known)
            {
                await Respond(ctx, sglang ? 400 : 404, Error($"The model `{adapter}` does not exist.", sglang ? 400 : 404)).ConfigureAwait(false);
                return;
            }
        }

        // Omitted fields come from the generation config, then from the server's neutral defaults.
        double Field(string name, double neutral) =>
            sampling[name] is JsonValue v ? v.GetValue<double>() : GenerationConfig.TryGetValue(name, out var d) ? d : neutral;
        var effective = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["temperature"] = Field("temperature", 1.0),
            ["top_p"] = Field("top_p", 1.0),
            ["top_k"] = Field("top_k", sglang ? -1 : 0),
            ["min_p"] = Field("min_p", 0),
            ["repetition_penalty"] = Field("repetition_penalty", 1.0),
            ["presence_penalty"] = Field("presence_penalty", 0),
            ["frequency_penalty"] = Field("frequency_penalty", 0),
        };
        Effective[id] = effective;
        var unsupported = effective.Where(kv => kv.Key is "min_p" or "presence_penalty" or "frequency_penalty" ? kv.Value != 0 : kv.Key == "repetition_penalty" && kv.Value != 1.0)
            .Select(kv => $"{kv.Key}={kv.Value}").ToList();
        if (unsupported.Count > 0)
        {
            await Respond(ctx, 400, Error($"this loopback server samples without {string.Join(", ", unsupported)} (a real server would apply it)", 400)).ConfigureAwait(false);
            return;
        }
        var maxTokens = sglang ? sampling["max_new_tokens"] : body["max_completion_tokens"] ?? body["max_tokens"];
        if (maxTokens is null)
        {
            await Respond(ctx, 400, Error("no completion cap (max_completion_tokens / max_new_tokens)", 400)).ConfigureAwait(false);
            return;
        }
        var settings = new SamplingSettings(maxTokens.GetValue<int>(), effective["temperature"], effective["top_p"], (int)Math.Max(0, effective["top_k"]));
        long seed;
        if (sglang)
        {
            var requested = sampling["sampling_seed"]?.GetValue<long>();
            if (requested is < 0 or > int.MaxValue)
            {
                await Respond(ctx, 400, Error($"sampling_seed {requested} does not fit the int32 seed tensor", 400)).ConfigureAwait(false);
                return;
            }
            seed = SglangDeterministic && requested is { } s ? s : Interlocked.Increment(ref _serverSeeds);
        }
        else seed = body["seed"]?.GetValue<long>() ?? Interlocked.Increment(ref _serverSeeds);

        long[] tokens;
        float[] logProbs;
        long[] promptIds;
        bool truncated;
        await _modelGate.WaitAsync().ConfigureAwait(false);
        try
        {
            using var scope = NewDisposeScope();
            using var baseOnly = Activate(adapter);
            using var batch = _encoder.Encode([grpoPrompt]);
            promptIds = batch.InputIds.to_type(ScalarType.Int64).data<long>().ToArray();
            _policy.Module.eval();
            SampledCompletions sampled;
            using (no_grad()) sampled = _policy.Generate(batch, 1, settings, seed);
            using (sampled)
            {
                int length = (int)sampled.Mask.sum().item<long>();
                tokens = sampled.Ids[0, ..length].to_type(ScalarType.Int64).data<long>().ToArray();
                truncated = sampled.Truncated[0];
            }
            _policy.Module.train();
            var ids = tensor(tokens, [1, tokens.Length]);
            using var scored = CompletionLogProbs.Compute(_policy, _encoder, [grpoPrompt], ids, ones_like(ids).to_type(ScalarType.Float32), settings.Temperature, withEntropy: true);
            logProbs = scored.LogProbs.detach().to_type(ScalarType.Float32).data<float>().ToArray();
            _policy.Module.eval();
        }
        finally
        {
            _modelGate.Release();
        }
        if (fault == ServerFault.TokenOutsideVocabulary) tokens[0] = 1_000_000_000;
        if (fault == ServerFault.ClampedLogProb) logProbs[0] = -9999f;
        string json = sglang ? SglangAnswer(tokens, logProbs, promptIds.Length, truncated, fault) : VllmAnswer(body, tokens, logProbs, promptIds, truncated, fault);
        if (fault == ServerFault.DropAfterGenerating)
        {
            // dies half way through the answer: headers and half the body sent, then the connection is gone
            var bytes = Encoding.UTF8.GetBytes(json);
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/json";
            ctx.Response.ContentLength64 = bytes.Length;
            await ctx.Response.OutputStream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2)).ConfigureAwait(false);
            await ctx.Response.OutputStream.FlushAsync().ConfigureAwait(false);
            ctx.Response.Abort();
            return;
        }
        await Respond(ctx, 200, json).ConfigureAwait(false);
        Served.AddOrUpdate(id, 1, (_, n) => n + 1);
    }

    /// <summary>An image sent as a data URL (the only kind the engine sends).</summary>
    private static ImageRef Image(string url)
    {
        int comma = url.IndexOf(',', StringComparison.Ordinal);
        if (!url.StartsWith("data:image/", StringComparison.Ordinal) || comma < 0 || !url[..comma].EndsWith(";base64", StringComparison.Ordinal))
            throw new InvalidDataException($"not a base64 image data URL: {url[..Math.Min(40, url.Length)]}");
        return new ImageRef(null, Convert.FromBase64String(url[(comma + 1)..]));
    }

    /// <summary>Puts <paramref name="adapter"/>'s weights into the model; for the base model (null) switches the adapter off until disposed.</summary>
    private IDisposable? Activate(string? adapter)
    {
        if (_policy.Lora is not { } lora) return null;
        if (adapter is null) return lora.Disable();
        if (_activeAdapter == adapter) return null;
        Dictionary<string, Tensor> weights;
        lock (_adapters) weights = _adapters[adapter].Weights;
        using (no_grad())
            foreach (var (name, t) in lora.NamedTensors()) t.copy_(weights[name]);
        _activeAdapter = adapter;
        return null;
    }

    private static string VllmAnswer(JsonObject request, long[] tokens, float[] logProbs, long[] promptIds, bool truncated, ServerFault fault)
    {
        var content = new JsonArray();
        for (int i = 0; i < tokens.Length; i++)
            content.Add(new JsonObject
            {
                ["token"] = fault == ServerFault.TextTokens ? $"t{tokens[i]}" : $"token_id:{tokens[i]}",
                ["logprob"] = logProbs[i],
                ["bytes"] = null,
                ["top_logprobs"] = new JsonArray(),
            });
        var choice = new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = "(text)" },
            ["finish_reason"] = truncated ? "length" : "stop",
        };
        if (fault != ServerFault.MissingTokenIds && request["return_token_ids"] is JsonValue r && r.GetValue<bool>())
            choice["token_ids"] = new JsonArray((fault == ServerFault.ShortTokenIds ? tokens[..^1] : tokens).Select(t => (JsonNode)t).ToArray());
        if (fault != ServerFault.MissingLogProbs) choice["logprobs"] = new JsonObject { ["content"] = content };
        var answer = new JsonObject
        {
            ["id"] = "chatcmpl-" + Guid.NewGuid().ToString("N"),
            ["object"] = "chat.completion",
            ["created"] = 1700000000,
            ["model"] = request["model"]!.GetValue<string>(),
            ["choices"] = new JsonArray(choice),
            ["usage"] = new JsonObject { ["prompt_tokens"] = promptIds.Length, ["completion_tokens"] = tokens.Length, ["total_tokens"] = promptIds.Length + tokens.Length },
        };
        if (fault != ServerFault.MissingPromptIds && request["return_token_ids"] is JsonValue p && p.GetValue<bool>())
            answer["prompt_token_ids"] = new JsonArray(promptIds.Select(t => (JsonNode)t).ToArray());
        return answer.ToJsonString();
    }

    private static string SglangAnswer(long[] tokens, float[] logProbs, int promptTokens, bool truncated, ServerFault fault)
    {
        var meta = new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString("N"),
            ["finish_reason"] = truncated ? new JsonObject { ["type"] = "length", ["length"] = tokens.Length } : new JsonObject { ["type"] = "stop", ["matched"] = tokens[^1] },
            ["completion_tokens"] = tokens.Length,
        };
        if (fault != ServerFault.MissingPromptIds) meta["prompt_tokens"] = promptTokens;
        if (fault != ServerFault.MissingLogProbs)
            meta["output_token_logprobs"] = new JsonArray(tokens.Select((t, i) => (JsonNode)new JsonArray(logProbs[i], fault == ServerFault.TextTokens ? $"t{t}" : t, null)).ToArray());
        return new JsonObject { ["text"] = "(text)", ["meta_info"] = meta }.ToJsonString();
    }

    private static string Error(string message, int code) =>
        new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = code == 404 ? "NotFoundError" : "BadRequestError", ["code"] = code } }.ToJsonString();

    private static async Task Respond(HttpListenerContext ctx, int status, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = text.StartsWith('{') ? "application/json" : "text/plain";
        ctx.Response.ContentLength64 = bytes.Length;
        await ctx.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
        ctx.Response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        // Close alone: on Unix, Stop already releases the port, and a Close after it binds the port again to remove the
        // prefixes a second time, which fails ("Address already in use") once another test's server has taken that port.
        _listener.Close();
        try { await _loop.ConfigureAwait(false); } catch (ObjectDisposedException) { }
        // Requests still being served (a client that gave up on a round leaves them behind) finish before the model goes.
        try { await Task.WhenAll(_handlers.Keys).ConfigureAwait(false); } catch (Exception) { }
        _stop.Dispose();
        Restart();
        _modelGate.Dispose();
        _policy.Dispose();
    }
}
