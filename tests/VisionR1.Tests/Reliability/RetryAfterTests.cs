using VisionR1.Data.Chat;
using VisionR1.Problems;
using System.Globalization;
using Microsoft.Extensions.AI;
using VisionR1.Data.ColdStart;
using VisionR1.Data.Evaluation;
using VisionR1.Data.Records;
using VisionR1.Tests.Data;

namespace VisionR1.Tests.Reliability;

/// <summary>A 429 with Retry-After (seconds or an HTTP-date) is waited for, capped by the request timeout.</summary>
public sealed class RetryAfterTests
{
    private static MathProblem Problem(int i) => new($"q{i}", [], $"Item-{i:000}: total?", "7", AnswerType: AnswerType.Integer);

    [Fact]
    public async Task A_429_with_Retry_After_is_retried_no_sooner_than_asked_but_never_later_than_the_request_timeout()
    {
        // The server asks for an hour; the request timeout (1 s) caps the wait. The base backoff is 1 ms, so an
        // ignored header would retry within milliseconds.
        await using var server = new FakeChatServer((_, _, _) => "<think>x</think><answer>7</answer>") { RetryAfterFirst = "3600" };
        var options = new EvaluationOptions(MaxRetries: 2, RetryBaseDelay: TimeSpan.FromMilliseconds(1), RequestTimeout: TimeSpan.FromSeconds(1), MaxConcurrency: 1);
        using var tmp = new TempFolder();

        var summary = await new Evaluator(options.Compose(server.Client()), options).PredictAsync(new[] { Problem(1) }.ToAsyncEnumerable(), tmp.File("p.jsonl"));

        Assert.Equal(1, summary.Generated);
        var arrivals = server.Arrivals.Select(a => a.At).ToList();
        Assert.Equal(2, arrivals.Count);
        var gap = arrivals[1] - arrivals[0];
        Assert.True(gap >= TimeSpan.FromSeconds(0.9), $"retried after {gap.TotalSeconds:F3} s");
        Assert.True(gap < TimeSpan.FromSeconds(60), $"retried after {gap.TotalSeconds:F3} s: the wait must be capped by the request timeout");
    }

    [Fact]
    public async Task Retry_After_is_read_from_the_OpenAI_clients_exception_in_seconds_and_as_an_HTTP_date()
    {
        var now = DateTimeOffset.UtcNow;
        var date = (now + TimeSpan.FromSeconds(30)).ToString("r", CultureInfo.InvariantCulture);
        foreach (var (header, low, high) in new[] { ("20", 20.0, 20.0), (date, 28.0, 31.0) })
        {
            await using var server = new FakeChatServer((_, _, _) => "ok") { RetryAfterFirst = header };
            var failure = await Assert.ThrowsAnyAsync<Exception>(() => server.Client().GetResponseAsync("Item-001: hi"));
            var wait = ChatResilience.RetryAfter(failure, now);
            Assert.NotNull(wait);
            Assert.InRange(wait.Value.TotalSeconds, low, high);
        }
        Assert.Null(ChatResilience.ParseRetryAfter("soon", now));
        Assert.Equal(TimeSpan.Zero, ChatResilience.ParseRetryAfter((now - TimeSpan.FromMinutes(1)).ToString("r", CultureInfo.InvariantCulture), now));
    }
}
