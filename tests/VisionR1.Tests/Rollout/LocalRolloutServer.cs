using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rollout;
using VisionR1.Inputs;
using VisionR1.Model.Lora;
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
}

/// <summary>
/// A real HTTP server on 127.0.0.1 implementing the documented endpoints a rollout engine uses, over the library's own model:
/// vLLM's <c>/v1/chat/completions</c> (token ids through <c>return_tokens_as_token_ids</c>, <c>return_token_ids</c>, log-probs),
/// <c>/v1/models</c>, <c>/v1/load_lora_adapter</c>, <c>/v1/unload_lora_adapter</c>; SGLang's <c>/generate</c>,
/// <c>/load_lora_adapter</c>, <c>/unload_lora_adapter</c>, <c>/update_weights_from_disk</c>, <c>/get_model_info</c>.
/// It samples completion by completion with the request's seed through <see cref="IPolicyModel.Generate"/> and reports the log-probs
/// of the sampled tokens as the trainer computes them (<see cref="CompletionLogProbs.Compute"/> on the one sequence, module in train
/// mode with gradients on), so a synced server and a trainer with micro-batches of one agree bit for bit. Requests are served one at
/// a time (one model); faults are injected per (request id, attempt). The server owns the policy it is given.
/// </summary>
internal sealed class LocalRolloutServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly QwenPolicy _policy;
    private readonly ChatPromptEncoder _encoder;
    private readonly SemaphoreSlim _modelGate = new(1);
    private readonly ConcurrentDictionary<Task, byte> _handlers = new();
    private readonly Dictionary<string, (string Path, Dictionary<string, Tensor> Weights)> _adapters = new(StringComparer.Ordinal);
    private readonly string _initialPath;
    private string? _activeAdapter;

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
    public QwenPolicy Policy => _policy;

    /// <summary>Attempts per request id.</summary>
    public ConcurrentDictionary<string, int> Hits { get; } = new();

    /// <summary>Completions answered with 200 per request id.</summary>
    public ConcurrentDictionary<string, int> Served { get; } = new();

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
                    var modelPath = JsonNode.Parse(body)!["model_path"]!.GetValue<string>();
                    ControlCalls.Enqueue($"{method} {path} {modelPath}");
                    if (!IgnoreWeightUpdates)
                    {
                        await _modelGate.WaitAsync().ConfigureAwait(false);
                        try
                        {
                            _policy.LoadWeights(modelPath);
                            ModelPath = modelPath;
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
                case ("GET", "/get_model_info"):
                    await Respond(ctx, 200, new JsonObject { ["model_path"] = ModelPath, ["is_generation"] = true }.ToJsonString()).ConfigureAwait(false);
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
        string id = ctx.Request.Headers["X-Request-Id"] ?? "(none)";
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
        string prompt;
        JsonObject sampling;
        if (sglang)
        {
            adapter = body["lora_path"]?.GetValue<string>();
            string text = body["text"]!.GetValue<string>();
            const string open = "<|im_start|>user\n";
            int start = text.IndexOf(open, StringComparison.Ordinal) + open.Length;
            prompt = text[start..text.IndexOf("<|im_end|>", start, StringComparison.Ordinal)];
            sampling = body["sampling_params"]!.AsObject();
        }
        else
        {
            string model = body["model"]!.GetValue<string>();
            adapter = model == ModelName ? null : model;
            var user = body["messages"]!.AsArray().Last(m => m!["role"]!.GetValue<string>() == "user")!;
            prompt = user["content"]!.GetValue<string>();
            sampling = body;
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
        var grpoPrompt = new GrpoPrompt("served", prompt, "");
        if (sglang && body["text"]!.GetValue<string>() != _encoder.Template.Render(grpoPrompt.Conversation(), addGenerationPrompt: true))
        {
            await Respond(ctx, 400, Error("the prompt text is not what the chat template renders", 400)).ConfigureAwait(false);
            return;
        }
        var settings = new SamplingSettings(
            (sampling[sglang ? "max_new_tokens" : "max_tokens"] ?? body["max_tokens"])!.GetValue<int>(),
            sampling["temperature"]!.GetValue<double>(),
            sampling["top_p"]!.GetValue<double>(),
            Math.Max(0, sampling["top_k"]?.GetValue<int>() ?? 0));
        long seed = sampling[sglang ? "sampling_seed" : "seed"]!.GetValue<long>();

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
        string json = sglang ? SglangAnswer(tokens, logProbs, truncated, fault) : VllmAnswer(body, tokens, logProbs, promptIds, truncated, fault);
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
            ["token_ids"] = new JsonArray((fault == ServerFault.ShortTokenIds ? tokens[..^1] : tokens).Select(t => (JsonNode)t).ToArray()),
        };
        if (fault != ServerFault.MissingLogProbs) choice["logprobs"] = new JsonObject { ["content"] = content };
        return new JsonObject
        {
            ["id"] = "chatcmpl-" + Guid.NewGuid().ToString("N"),
            ["object"] = "chat.completion",
            ["created"] = 1700000000,
            ["model"] = request["model"]!.GetValue<string>(),
            ["choices"] = new JsonArray(choice),
            ["prompt_token_ids"] = new JsonArray(promptIds.Select(t => (JsonNode)t).ToArray()),
            ["usage"] = new JsonObject { ["prompt_tokens"] = promptIds.Length, ["completion_tokens"] = tokens.Length, ["total_tokens"] = promptIds.Length + tokens.Length },
        }.ToJsonString();
    }

    private static string SglangAnswer(long[] tokens, float[] logProbs, bool truncated, ServerFault fault)
    {
        var meta = new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString("N"),
            ["finish_reason"] = truncated ? new JsonObject { ["type"] = "length", ["length"] = tokens.Length } : new JsonObject { ["type"] = "stop", ["matched"] = tokens[^1] },
            ["completion_tokens"] = tokens.Length,
        };
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
