using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using OpenAI;

namespace VisionR1.Tests.Data;

/// <summary>
/// A real HTTP server on 127.0.0.1 speaking the OpenAI chat-completions protocol with rule-based replies,
/// counting requests per (item, step) and injecting faults (500, 429, stalls past the client timeout, malformed JSON).
/// </summary>
internal sealed partial class FakeChatServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Random _random;
    private readonly Lock _randomGate = new();
    private readonly Func<string, string, bool, string> _reply;

    public ConcurrentDictionary<(string Item, string Step), int> Hits { get; } = new();
    public ConcurrentDictionary<(string Item, string Step), int> Served { get; } = new();
    public ConcurrentDictionary<string, int> Faults { get; } = new();
    public ConcurrentQueue<string> Bodies { get; } = new();
    public ConcurrentQueue<(string Item, DateTimeOffset At)> Arrivals { get; } = new();
    public double FaultRate { get; set; }

    /// <summary>When set, the first request of each item is answered 429 with this Retry-After header value.</summary>
    public string? RetryAfterFirst { get; init; }
    public TimeSpan Stall { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>When set, every request is answered 401 with the request's Authorization header echoed in the error text.</summary>
    public bool RejectEchoingAuthorization { get; init; }

    /// <summary>The first this many requests are answered 500 (a deterministic server error).</summary>
    public int FailFirst { get; init; }

    private int _requests;
    public string BaseUrl { get; }

    // reply: (item, step, hasImage) → reply text.
    public FakeChatServer(Func<string, string, bool, string> reply, double faultRate = 0, int seed = 1)
    {
        _reply = reply;
        FaultRate = faultRate;
        _random = new Random(seed);
        int port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}/v1";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(AcceptLoop);
    }

    public IChatClient Client(string model = "test-model", string apiKey = "x") =>
        new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(apiKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(BaseUrl),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0), // retries belong to our Polly pipeline
            NetworkTimeout = TimeSpan.FromSeconds(30),
        }).AsIChatClient();

    /// <summary>The image_url URLs (data: URIs) of every message part of a recorded request body.</summary>
    public static List<string> ImageUrls(string body)
    {
        var urls = new List<string>();
        using var doc = JsonDocument.Parse(body);
        foreach (var m in doc.RootElement.GetProperty("messages").EnumerateArray())
            if (m.GetProperty("content") is { ValueKind: JsonValueKind.Array } content)
                foreach (var part in content.EnumerateArray())
                    if (part.GetProperty("type").GetString() == "image_url")
                        urls.Add(part.GetProperty("image_url").GetProperty("url").GetString()!);
        return urls;
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
            _ = Task.Run(() => HandleAsync(ctx));
        }
    }

    private async Task HandleAsync(HttpListenerContext ctx)
    {
        try
        {
            string body;
            using (var reader = new StreamReader(ctx.Request.InputStream, Encoding.UTF8)) body = await reader.ReadToEndAsync().ConfigureAwait(false);
            Bodies.Enqueue(body);
            if (RejectEchoingAuthorization)
            {
                var echoed = JsonSerializer.Serialize($"Incorrect API key provided: {ctx.Request.Headers["Authorization"]}. See https://example.invalid/keys.");
                await Respond(ctx, 401, "{\"error\": {\"message\": " + echoed + ", \"type\": \"invalid_request_error\", \"code\": \"invalid_api_key\"}}").ConfigureAwait(false);
                return;
            }
            using var doc = JsonDocument.Parse(body);
            var texts = new StringBuilder();
            bool hasImage = false;
            foreach (var m in doc.RootElement.GetProperty("messages").EnumerateArray())
            {
                var content = m.GetProperty("content");
                if (content.ValueKind == JsonValueKind.String) texts.Append(content.GetString());
                else
                    foreach (var part in content.EnumerateArray())
                    {
                        var type = part.GetProperty("type").GetString();
                        if (type == "text") texts.Append(part.GetProperty("text").GetString());
                        else if (type == "image_url") hasImage = true;
                    }
            }
            var text = texts.ToString();
            var item = ItemTag().Match(text) is { Success: true } im ? im.Value : "?";
            var step = !hasImage ? "reasoning" : text.Contains("Correct answer:", StringComparison.Ordinal) ? "pseudo_cot" : "description";
            Hits.AddOrUpdate((item, step), 1, (_, n) => n + 1);
            Arrivals.Enqueue((item, DateTimeOffset.UtcNow));
            if (RetryAfterFirst is { } retryAfter && Arrivals.Count(a => a.Item == item) == 1)
            {
                ctx.Response.Headers["Retry-After"] = retryAfter;
                await Respond(ctx, 429, """{"error": {"message": "come back later", "type": "rate_limit"}}""").ConfigureAwait(false);
                return;
            }

            if (Interlocked.Increment(ref _requests) <= FailFirst)
            {
                Faults.AddOrUpdate("500", 1, (_, n) => n + 1);
                await Respond(ctx, 500, """{"error": {"message": "boom", "type": "server_error"}}""").ConfigureAwait(false);
                return;
            }

            string? fault = null;
            lock (_randomGate)
                if (_random.NextDouble() < FaultRate) fault = new[] { "500", "429", "stall", "malformed" }[_random.Next(4)];
            if (fault is not null)
            {
                Faults.AddOrUpdate(fault, 1, (_, n) => n + 1);
                switch (fault)
                {
                    case "500": await Respond(ctx, 500, """{"error": {"message": "boom", "type": "server_error"}}""").ConfigureAwait(false); return;
                    case "429": await Respond(ctx, 429, """{"error": {"message": "slow down", "type": "rate_limit"}}""").ConfigureAwait(false); return;
                    case "malformed": await Respond(ctx, 200, """{"id": "x", "choices": [{"message": {"content": "unterminated""").ConfigureAwait(false); return;
                    default:
                        await Task.Delay(Stall).ConfigureAwait(false);
                        await Respond(ctx, 500, """{"error": {"message": "late"}}""").ConfigureAwait(false);
                        return;
                }
            }
            var reply = _reply(item, step, hasImage);
            var json = JsonSerializer.Serialize(new
            {
                id = "chatcmpl-" + Guid.NewGuid().ToString("N"),
                @object = "chat.completion",
                created = 1700000000,
                model = doc.RootElement.TryGetProperty("model", out var model) ? model.GetString() : "m",
                choices = new[] { new { index = 0, message = new { role = "assistant", content = reply }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 10, completion_tokens = 20, total_tokens = 30 },
            });
            await Respond(ctx, 200, json).ConfigureAwait(false);
            Served.AddOrUpdate((item, step), 1, (_, n) => n + 1);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // the client went away (e.g. it timed out a stalled request)
        }
    }

    private static async Task Respond(HttpListenerContext ctx, int status, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
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
        _stop.Dispose();
    }

    [GeneratedRegex(@"Item-\d+")]
    private static partial Regex ItemTag();
}
