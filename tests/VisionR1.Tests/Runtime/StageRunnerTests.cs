using VisionR1.Recipe;

namespace VisionR1.Tests.Runtime;

public sealed class StageRunnerTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-stages-");

    public void Dispose() => _dir.Delete(true);

    private sealed record Count(int Value);

    [Fact]
    public async Task Finished_stages_are_not_run_again_and_return_their_recorded_result()
    {
        int calls = 0;
        var first = new StageRunner(_dir.FullName);
        var a = await first.RunAsync("a", (_, _) => { calls++; return Task.FromResult(new Count(41)); }, CancellationToken.None);
        Assert.Equal(41, a.Value);

        var second = new StageRunner(_dir.FullName);
        var again = await second.RunAsync("a", (_, _) => { calls++; return Task.FromResult(new Count(0)); }, CancellationToken.None);
        Assert.Equal(41, again.Value);
        Assert.Equal(1, calls);
        Assert.Equal(["a"], second.Resumed);
    }

    [Fact]
    public async Task Elapsed_time_sums_an_interrupted_attempt_and_the_resumed_one()
    {
        var runner = new StageRunner(_dir.FullName) { Heartbeat = TimeSpan.FromMilliseconds(50) };
        var partial = Path.Combine(runner.StageDirectory("c"), StageRunner.PartialTimeFileName);
        bool sawHeartbeat = false;
        await Assert.ThrowsAsync<OperationCanceledException>(() => runner.RunAsync<Count>("c", async (_, _) =>
        {
            // A killed process gets no chance to record its time: the heartbeat must already have done it.
            for (int i = 0; i < 100 && !sawHeartbeat; i++)
            {
                await Task.Delay(20);
                sawHeartbeat = File.Exists(partial);
            }
            await Task.Delay(300);
            throw new OperationCanceledException();
        }, CancellationToken.None));
        Assert.True(sawHeartbeat, "no heartbeat file while the stage ran");
        double first = double.Parse(File.ReadAllText(partial), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(first >= 0.3, $"interrupted attempt recorded {first} s");

        var resumed = new StageRunner(_dir.FullName);
        await resumed.RunAsync("c", async (_, _) => { await Task.Delay(100); return new Count(1); }, CancellationToken.None);
        double total = resumed.ElapsedByStage()["c"];
        Assert.InRange(total, first + 0.05, first + 5); // the resumed attempt took about 0.1 s
        Assert.False(File.Exists(partial));
    }

    [Fact]
    public async Task A_stage_that_throws_leaves_no_marker_and_runs_again()
    {
        var runner = new StageRunner(_dir.FullName);
        await Assert.ThrowsAsync<OperationCanceledException>(() =>
            runner.RunAsync<Count>("b", (_, _) => throw new OperationCanceledException(), CancellationToken.None));
        Assert.False(runner.IsDone("b"));
        var b = await runner.RunAsync("b", (dir, _) => Task.FromResult(new Count(Directory.Exists(dir) ? 7 : -1)), CancellationToken.None);
        Assert.Equal(7, b.Value);
        Assert.True(runner.IsDone("b"));
        Assert.Empty(Directory.GetFiles(runner.StageDirectory("b"), "*.tmp"));
    }
}
