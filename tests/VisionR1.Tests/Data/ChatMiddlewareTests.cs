using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using VisionR1.Data.Chat;
using VisionR1.Data.ColdStart;
using VisionR1.Data.Evaluation;
using VisionR1.Problems;

namespace VisionR1.Tests.Data;

/// <summary>Retries and the response cache as Microsoft.Extensions.AI middleware, against a real HTTP server on 127.0.0.1.</summary>
public sealed class ChatMiddlewareTests
{
    private static ChatMessage Ask(string text, byte imageSeed) =>
        new(ChatRole.User, [new DataContent(TinyImages.PngTagged(imageSeed), "image/png"), new TextContent(text)]);

    [Fact]
    public async Task AServerErrorIsRetriedByTheMiddlewareAndFailsWithoutIt()
    {
        await using var server = new FakeChatServer((item, _, _) => "seen " + item) { FailFirst = 2 };

        var bare = await Assert.ThrowsAnyAsync<Exception>(() => server.Client().GetResponseAsync([Ask("Item-001: what?", 1)]));
        Assert.Contains("500", bare.Message, StringComparison.Ordinal);

        using var retrying = server.Client().WithRetries(maxRetries: 3, baseDelay: TimeSpan.FromMilliseconds(1));
        var response = await retrying.GetResponseAsync([Ask("Item-001: what?", 1)]);

        Assert.Equal("seen Item-001", response.Text);
        Assert.Equal(2, server.Faults["500"]);
        Assert.Equal(3, server.Hits[("Item-001", "description")]); // the bare call, the retried 500, the answer
    }

    [Fact]
    public async Task ACachedRequestIsAnsweredFromDiskWithoutARequestEvenInANewClient()
    {
        using var tmp = new TempFolder();
        await using var server = new FakeChatServer((item, _, _) => "seen " + item);
        var dir = tmp.File("cache");
        var options = new ChatOptions { Temperature = 0.6f, AdditionalProperties = new() { ["visionr1.item_id"] = "a" } };

        using var first = server.Client().WithDiskCache(dir);
        var asked = await first.GetResponseAsync([Ask("Item-001: what?", 1)], options);
        using var second = server.Client().WithDiskCache(dir); // a resumed process: only the disk is shared
        var replayed = await second.GetResponseAsync([Ask("Item-001: what?", 1)], options.Clone());

        Assert.Equal(1, server.Hits.Values.Sum());
        Assert.Equal(asked.Text, replayed.Text);
        Assert.Equal(20, replayed.Usage?.OutputTokenCount);
        Assert.False(DiskCachingChatClient.IsCacheHit(asked));
        Assert.True(DiskCachingChatClient.IsCacheHit(replayed));
        Assert.Single(Directory.EnumerateFiles(dir));
        Assert.Empty(Directory.EnumerateFiles(dir, "*.tmp"));

        // The key holds the image bytes and every option: another image or temperature is another request.
        await second.GetResponseAsync([Ask("Item-001: what?", 2)], options);
        var hotter = options.Clone();
        hotter.Temperature = 1.0f;
        await second.GetResponseAsync([Ask("Item-001: what?", 1)], hotter);
        Assert.Equal(3, server.Hits.Values.Sum());
    }

    [Fact]
    public async Task ADamagedEntryIsAskedAgainAndRewritten()
    {
        using var tmp = new TempFolder();
        await using var server = new FakeChatServer((item, _, _) => "seen " + item);
        using var client = server.Client().WithDiskCache(tmp.File("cache"));
        await client.GetResponseAsync([Ask("Item-007: what?", 7)]);
        var entry = Directory.EnumerateFiles(tmp.File("cache")).Single();
        File.WriteAllText(entry, "{\"messages\": [");

        var again = await client.GetResponseAsync([Ask("Item-007: what?", 7)]);
        var replayed = await client.GetResponseAsync([Ask("Item-007: what?", 7)]);

        Assert.Equal(2, server.Hits.Values.Sum());
        Assert.False(DiskCachingChatClient.IsCacheHit(again));
        Assert.True(DiskCachingChatClient.IsCacheHit(replayed));
        Assert.Equal("seen Item-007", replayed.Text);
    }

    [Fact]
    public async Task AResumedEvaluationAndColdStartPayForNoRequestTwice()
    {
        using var tmp = new TempFolder();
        await using var server = new FakeChatServer((item, step, _) => step == "reasoning" ? $"<think>{item}</think><answer>7</answer>" : "text about " + item);
        var problems = Enumerable.Range(0, 4)
            .Select(i => new MathProblem($"p{i}", [new ImageRef(null, TinyImages.PngTagged((byte)i))], $"Item-{i:000}: total?", "7", AnswerType: AnswerType.Integer))
            .ToList();
        var evaluation = new EvaluationOptions(MaxRetries: 2, RetryBaseDelay: TimeSpan.FromMilliseconds(1));
        var cold = new ColdStartOptions(MaxRetries: 2, RetryBaseDelay: TimeSpan.FromMilliseconds(1));

        // First runs: every request reaches the server once.
        await new Evaluator(evaluation.Compose(server.Client(), tmp.File("eval.cache")), evaluation).PredictAsync(problems.ToAsyncEnumerable(), tmp.File("preds1.jsonl"));
        var teacher = cold.Compose(server.Client(), tmp.File("cold.steps"));
        await new ColdStartPipeline(teacher, teacher, cold).RunAsync(problems.ToAsyncEnumerable(), tmp.File("cold1.jsonl"));
        int hits = server.Hits.Values.Sum();
        Assert.Equal(4 + 4 * 3, hits);

        // Lost outputs, same caches: everything is replayed from disk.
        var predictions = await new Evaluator(evaluation.Compose(server.Client(), tmp.File("eval.cache")), evaluation).PredictAsync(problems.ToAsyncEnumerable(), tmp.File("preds2.jsonl"));
        var again = cold.Compose(server.Client(), tmp.File("cold.steps"));
        var built = await new ColdStartPipeline(again, again, cold).RunAsync(problems.ToAsyncEnumerable(), tmp.File("cold2.jsonl"));

        Assert.Equal(hits, server.Hits.Values.Sum());
        Assert.Equal(4, predictions.Generated);
        Assert.Equal(4, built.Progress.Completed);
        Assert.Equal(12, built.Progress.StepsReused);
        Assert.Equal(0, built.Progress.CallsMade);
        Assert.Equal(0, built.Progress.InputTokens);
        Assert.Equal(File.ReadAllLines(tmp.File("cold1.jsonl")).Order(), File.ReadAllLines(tmp.File("cold2.jsonl")).Order());
    }

    [Fact]
    public async Task AMalformedReplyIsAskedAgainAsADifferentRequestSoTheCacheReplaysTheSequence()
    {
        using var tmp = new TempFolder();
        int reasoning = 0;
        var teacher = new RecordingChatClient((step, _) => step != "reasoning" ? "text for " + step
            : Interlocked.Increment(ref reasoning) == 1 ? "" : "<think>ok</think><answer>7</answer>");
        var problems = new[] { new MathProblem("p0", [new ImageRef(null, TinyImages.PngTagged(3))], "Item-000: total?", "7") };
        var options = new ColdStartOptions(MaxConcurrency: 1, MaxRetries: 1);

        var first = await new ColdStartPipeline(teacher.WithDiskCache(tmp.File("c")), teacher.WithDiskCache(tmp.File("c")), options)
            .RunAsync(problems.ToAsyncEnumerable(), tmp.File("a.jsonl"));
        var replay = await new ColdStartPipeline(teacher.WithDiskCache(tmp.File("c")), teacher.WithDiskCache(tmp.File("c")), options)
            .RunAsync(problems.ToAsyncEnumerable(), tmp.File("b.jsonl"));

        Assert.Equal(1, first.Progress.Completed);
        Assert.Equal(4, teacher.Calls.Count); // two steps, then the empty reasoning reply and its re-ask
        Assert.Equal(1, teacher.Options.Last()!.AdditionalProperties![ColdStartTags.AttemptKey]);
        Assert.Equal(1, replay.Progress.Completed);
        Assert.Equal(3, replay.Progress.StepsReused);
        Assert.Equal(4, teacher.Calls.Count);
    }

    [Fact]
    public async Task AStreamedResponseIsCachedOnceReadToTheEndAndReplayedAsAStream()
    {
        using var tmp = new TempFolder();
        var source = new StreamingClient();
        using var client = source.WithDiskCache(tmp.File("s"));

        var streamed = string.Concat(await client.GetStreamingResponseAsync([Ask("q", 1)]).Select(u => u.Text).ToListAsync());
        var replayed = string.Concat(await client.GetStreamingResponseAsync([Ask("q", 1)]).Select(u => u.Text).ToListAsync());

        Assert.Equal("one two", streamed);
        Assert.Equal(streamed, replayed);
        Assert.Equal(1, source.Calls);
    }

    private sealed class StreamingClient : IChatClient
    {
        public int Calls { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Calls++;
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, "one ");
            yield return new ChatResponseUpdate(ChatRole.Assistant, "two");
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
