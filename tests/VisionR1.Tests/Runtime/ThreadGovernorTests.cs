using System.Diagnostics;
using VisionR1.Runtime;

namespace VisionR1.Tests.Runtime;

public sealed class ThreadGovernorTests
{
    [Theory]
    [InlineData(2, 2, 0, 2)] // idle machine: all configured threads
    [InlineData(2, 2, 1, 1)] // one busy thread elsewhere: the core it leaves
    [InlineData(2, 2, 5, 1)] // never below one
    [InlineData(4, 8, 2, 4)] // never above the configured count
    [InlineData(1, 2, 0, 1)]
    public void Decide_uses_the_cores_other_processes_leave(int configured, int cores, int others, int expected) =>
        Assert.Equal(expected, ThreadGovernor.Decide(configured, cores, others));

    [Theory]
    [InlineData('R', 0, 0, true)]
    [InlineData('R', 4, 0, true)]    // close in priority: takes a real share of a core
    [InlineData('R', 19, 0, false)]  // a nice-19 build next to a nice-0 run gets about 1.5% of a core
    [InlineData('R', 19, 19, true)]
    [InlineData('S', 0, 0, false)]   // sleeping
    [InlineData('D', 0, 0, false)]
    public void Only_running_threads_near_this_priority_compete(char state, int nice, int ownNice, bool expected) =>
        Assert.Equal(expected, ThreadGovernor.Competes(state, nice, ownNice));

    [Fact]
    public void Another_autogroup_competes_by_its_group_priority_not_by_its_threads_nice()
    {
        // A nice-19 build in another terminal's session still gets its session's full share of the cores.
        Assert.True(ThreadGovernor.Competes('R', 19, 0, ("/autogroup-6", 0), ("/autogroup-4", 0)));
        // A session made low-priority (or this one made high) does not compete.
        Assert.False(ThreadGovernor.Competes('R', 0, 0, ("/autogroup-6", 0), ("/autogroup-4", -10)));
        // Within this process's own session, the thread's nice decides.
        Assert.False(ThreadGovernor.Competes('R', 19, 0, ("/autogroup-4", 0), ("/autogroup-4", 0)));
    }

    [Fact]
    public void A_busy_process_started_next_to_this_one_is_counted()
    {
        if (!OperatingSystem.IsLinux()) return;
        // Looks are instantaneous while other processes come and go: the busy one must be seen in at least one of ten.
        using var busy = Process.Start(new ProcessStartInfo("sh", ["-c", "while :; do :; done"]))!;
        try
        {
            Thread.Sleep(200);
            Assert.Contains(Enumerable.Range(0, 10).Select(_ => ThreadGovernor.CompetingRunnableThreads() ?? 0), n => n >= 1);
        }
        finally
        {
            busy.Kill();
            busy.WaitForExit();
        }
    }
}

/// <summary>
/// Turns the governor on, which changes torch's global thread count: a trainer step of a test running beside it would poll too
/// and could run with fewer threads, changing its float results. So it runs alone.
/// </summary>
[Collection(GlobalThreadStateCollection.Name)]
public sealed class ThreadGovernorPollTests
{
    [Fact]
    public void Poll_looks_at_once_and_then_waits_the_interval()
    {
        int threads = TorchSharp.torch.get_num_threads();
        bool was = ThreadGovernor.Enabled;
        try
        {
            // Configured to the count in use, at most one look: the count cannot change under the other tests running now.
            ThreadGovernor.Enabled = true;
            ThreadGovernor.Interval = TimeSpan.FromHours(1);
            ThreadGovernor.Configure(threads);
            Assert.Equal(threads, ThreadGovernor.Poll());
            Assert.Equal(threads, ThreadGovernor.Poll());
        }
        finally
        {
            ThreadGovernor.Enabled = was;
            ThreadGovernor.Interval = TimeSpan.FromSeconds(2);
        }
    }
}

/// <summary>Tests that change torch's global thread count: never run in parallel with other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalThreadStateCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "Global thread count (runs alone)";
}
