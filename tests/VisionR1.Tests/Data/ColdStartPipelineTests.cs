using System.Text.Json;
using VisionR1.Data.Chat;
using VisionR1.Data.ColdStart;
using VisionR1.Data.Records;
using VisionR1.Problems;

namespace VisionR1.Tests.Data;

public sealed class ColdStartPipelineTests
{
    private static string Reply(string item, string step, bool hasImage) => step switch
    {
        "pseudo_cot" => $"Caption: a figure for {item}. Step 1: read the labels. Step 2: add them.",
        "description" => $"The figure for {item} shows two labelled segments of lengths 3 and 4.",
        _ => $"<think>The description of {item} says 3 and 4. Wait, let me check: 3 + 4 = 7.</think><answer>7</answer>",
    };

    private static List<MathProblem> Problems(int n) => Enumerable.Range(0, n)
        .Select(i => new MathProblem($"p{i:000}", [new ImageRef(null, TinyImages.PngTagged((byte)i))], $"Item-{i:000}: what is the total length?", "7"))
        .ToList();

    private static ColdStartOptions FastOptions(int concurrency = 6) => new(
        MaxConcurrency: concurrency, MaxRetries: 14, RetryBaseDelay: TimeSpan.FromMilliseconds(2), RequestTimeout: TimeSpan.FromSeconds(1),
        MllmPrices: new TokenPrices(1m, 2m), ReasonerPrices: new TokenPrices(10m, 20m));

    private static List<JsonElement> OutputLines(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    [Fact]
    public async Task WithThirtyPercentFaultsEverySampleCompletesExactlyOnce()
    {
        using var tmp = new TempFolder();
        await using var server = new FakeChatServer(Reply, faultRate: 0.3, seed: 11) { Stall = TimeSpan.FromSeconds(3) };
        var client = FastOptions().Compose(server.Client(), null);
        var problems = Problems(24);
        var output = tmp.File("cold.jsonl");
        var reports = new List<ColdStartProgress>();

        var summary = await new ColdStartPipeline(client, client, FastOptions())
            .RunAsync(problems.ToAsyncEnumerable(), output, progress: new SyncProgress(reports.Add));

        Assert.Empty(summary.Failures);
        var lines = OutputLines(output);
        Assert.Equal(problems.Select(p => p.Id).Order(), lines.Select(l => l.GetProperty("id").GetString()!).Order());
        Assert.All(server.Faults.Keys, k => Assert.Contains(k, new[] { "500", "429", "stall", "malformed" }));
        Assert.True(server.Faults.Values.Sum() >= 10, $"only {server.Faults.Values.Sum()} faults were injected");
        Assert.Equal(4, server.Faults.Count);
        var first = lines.Single(l => l.GetProperty("id").GetString() == "p003");
        Assert.Contains("Item-003", first.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("<think>\nThe description of Item-003", first.GetProperty("response").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("<answer>7</answer>", first.GetProperty("response").GetString(), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(tmp.Path, first.GetProperty("images")[0].GetString()!)));
        // Token accounting: each consumed reply reports 10 in / 20 out.
        Assert.Equal(24, summary.Progress.Completed);
        Assert.Equal(72, summary.Progress.CallsMade);
        Assert.Equal(720, summary.Progress.InputTokens);
        Assert.Equal(1440, summary.Progress.OutputTokens);
        Assert.Equal((48 * 10 * 1m + 48 * 20 * 2m + 24 * 10 * 10m + 24 * 20 * 20m) / 1_000_000m, summary.Progress.Cost);
        Assert.Equal(24, reports.Count);
        Assert.Equal(24, reports[^1].Completed);
        Assert.All(server.Bodies.Where(b => b.Contains("image_url", StringComparison.Ordinal)), b => Assert.Contains("data:image/png;base64,", b, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CancellingMidwayAndResumingRecallsNoFinishedStep()
    {
        using var tmp = new TempFolder();
        using var cts = new CancellationTokenSource();
        int reasoningReplies = 0;
        // The 12th reasoning request to be answered cancels the run and answers late, so its sample stops with its
        // first two steps cached and unfinished (a progress-based trigger raced with samples finishing and deleting
        // their cache, and failed under load).
        string ReplyThenCancel(string item, string step, bool hasImage)
        {
            if (step == "reasoning" && Interlocked.Increment(ref reasoningReplies) == 12)
            {
                cts.Cancel();
                Thread.Sleep(1000);
            }
            return Reply(item, step, hasImage);
        }
        await using var server = new FakeChatServer(ReplyThenCancel, faultRate: 0.3, seed: 5) { Stall = TimeSpan.FromSeconds(3) };
        var problems = Problems(30);
        var output = tmp.File("cold.jsonl");
        var cacheDir = tmp.File("steps");
        var options = FastOptions(concurrency: 4);
        // The caller composes the middleware: retries inside, the response cache outside.
        var client = options.Compose(server.Client(), cacheDir);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new ColdStartPipeline(client, client, options).RunAsync(problems.ToAsyncEnumerable(), output, null, cts.Token));

        var finishedIds = OutputLines(output).Select(l => l.GetProperty("id").GetString()!).ToHashSet();
        Assert.InRange(finishedIds.Count, 8, 29);
        int cachedResponses = Directory.EnumerateFiles(cacheDir, "*.json").Count();
        var hitsBefore = server.Hits.ToDictionary(k => k.Key, k => k.Value);

        var resumed = options.Compose(server.Client(), cacheDir); // a new process: only the disk is shared
        var summary = await new ColdStartPipeline(resumed, resumed, options).RunAsync(problems.ToAsyncEnumerable(), output);

        Assert.Empty(summary.Failures);
        Assert.Equal(finishedIds.Count, summary.Progress.Resumed);
        // Finished samples ask nothing; each step of an unfinished one is either replayed from disk or asked exactly once.
        foreach (var p in problems.Where(p => finishedIds.Contains(p.Id)))
            foreach (var step in Enum.GetValues<ColdStartStep>())
                Assert.Equal(hitsBefore.GetValueOrDefault((p.Question[..8], ColdStartTags.Name(step))), server.Hits.GetValueOrDefault((p.Question[..8], ColdStartTags.Name(step))));
        Assert.InRange(summary.Progress.StepsReused, 1, cachedResponses); // some unfinished sample kept a cached step
        Assert.Equal(3 * (30 - finishedIds.Count), summary.Progress.StepsReused + summary.Progress.CallsMade);
        var ids = OutputLines(output).Select(l => l.GetProperty("id").GetString()!).ToList();
        Assert.Equal(30, ids.Count);
        Assert.Equal(30, ids.Distinct().Count());
    }

    [Fact]
    public async Task RequestsCarryTheStepAndItemTagsAndStepThreeIsTextOnly()
    {
        using var tmp = new TempFolder();
        var recorder = new RecordingChatClient((step, _) => step == "reasoning" ? "<think>ok</think><answer>7</answer>" : "text for " + step);
        var problems = Problems(2);

        await new ColdStartPipeline(recorder, recorder, new ColdStartOptions(MaxConcurrency: 1)).RunAsync(problems.ToAsyncEnumerable(), tmp.File("o.jsonl"));

        Assert.Equal(6, recorder.Calls.Count);
        foreach (var (step, id, messages) in recorder.Calls)
        {
            Assert.Contains(id, new[] { "p000", "p001" });
            var contents = messages.SelectMany(m => m.Contents).ToList();
            bool hasImage = contents.OfType<Microsoft.Extensions.AI.DataContent>().Any(d => d.MediaType == "image/png");
            Assert.Equal(step != "reasoning", hasImage);
        }
        var reasoning = recorder.Calls.First(c => c.Step == "reasoning").Messages.Single().Text;
        Assert.Contains("text for description", reasoning, StringComparison.Ordinal);
        Assert.Contains("Following the above image description, think step by step", reasoning, StringComparison.Ordinal);
        var description = recorder.Calls.First(c => c.Step == "description").Messages.Single().Text;
        Assert.Contains("text for pseudo_cot", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailureInStepThreeNeverRepaysStepsOneAndTwo()
    {
        using var tmp = new TempFolder();
        var mllm = new RecordingChatClient((step, _) => "text for " + step);
        var broken = new FailingChatClient(new HttpRequestException("bad request", null, System.Net.HttpStatusCode.BadRequest));
        var problems = Problems(3);
        var output = tmp.File("o.jsonl");
        var steps = tmp.File("steps");

        var first = await new ColdStartPipeline(mllm.WithDiskCache(steps), broken.WithRetries(3, TimeSpan.FromMilliseconds(1)), new ColdStartOptions())
            .RunAsync(problems.ToAsyncEnumerable(), output);
        Assert.Equal(3, first.Failures.Count);
        Assert.Equal(3, broken.Calls); // a 400 is not retried
        Assert.Equal(6, mllm.Calls.Count);

        var reasoner = new RecordingChatClient((_, _) => "<think>fine</think><answer>7</answer>");
        var second = await new ColdStartPipeline(mllm.WithDiskCache(steps), reasoner, new ColdStartOptions()).RunAsync(problems.ToAsyncEnumerable(), output);

        Assert.Empty(second.Failures);
        Assert.Equal(3, second.Progress.Completed);
        Assert.Equal(6, second.Progress.StepsReused);
        Assert.Equal(6, mllm.Calls.Count);
        Assert.Equal(3, reasoner.Calls.Count);
    }

    [Theory]
    [InlineData("<think>a</think><answer>7</answer>", null, "<think>\na\n</think>\n<answer>7</answer>")]
    [InlineData("<think>a</think>\nSo the answer is 7.", null, "<think>\na\n</think>\n<answer>So the answer is 7.</answer>")]
    [InlineData("a</think>7", null, "<think>\na\n</think>\n<answer>7</answer>")]
    [InlineData("The answer is 7.", "long reasoning", "<think>\nlong reasoning\n</think>\n<answer>The answer is 7.</answer>")]
    public void ReasoningRepliesAreWrappedIntoThinkAndAnswer(string text, string? reasoning, string expected) =>
        Assert.Equal(expected, ReasoningReply.Format(text, reasoning));

    [Theory]
    [InlineData("just an answer")]
    [InlineData("<think>never closed")]
    [InlineData("<think>a</think>")]
    public void ReasoningRepliesWithoutThinkingOrAnswerAreMalformed(string text) =>
        Assert.Throws<MalformedReplyException>(() => ReasoningReply.Format(text));
}

internal sealed class SyncProgress(Action<ColdStartProgress> onReport) : IProgress<ColdStartProgress>
{
    private readonly Lock _gate = new();

    public void Report(ColdStartProgress value)
    {
        lock (_gate) onReport(value);
    }
}

internal sealed class FailingChatClient(Exception error) : Microsoft.Extensions.AI.IChatClient
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public Task<Microsoft.Extensions.AI.ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        return Task.FromException<Microsoft.Extensions.AI.ChatResponse>(error);
    }

    public IAsyncEnumerable<Microsoft.Extensions.AI.ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
