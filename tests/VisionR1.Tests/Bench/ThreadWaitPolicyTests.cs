using VisionR1.Runtime;

namespace VisionR1.Tests.Bench;

public sealed class ThreadWaitPolicyTests
{
    [Fact]
    public void Prefer_passive_leaves_a_policy_in_the_environment_and_keeps_a_users_choice()
    {
        string? before = Environment.GetEnvironmentVariable(ThreadWaitPolicy.Variable);
        var effective = ThreadWaitPolicy.PreferPassive();
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            Assert.Equal(string.IsNullOrEmpty(before) ? "PASSIVE" : before, effective);
            Assert.Equal(effective, Environment.GetEnvironmentVariable(ThreadWaitPolicy.Variable));
        }
    }

    [Fact]
    public void Short_spin_keeps_a_policy_already_chosen_and_describe_reports_it()
    {
        // The test assembly chose PASSIVE at load (PassiveThreadWait), so the short spin must leave it alone.
        var policy = Environment.GetEnvironmentVariable(ThreadWaitPolicy.Variable);
        if (string.IsNullOrEmpty(policy)) return; // Windows: nothing was set
        Assert.Equal($"{ThreadWaitPolicy.Variable}={policy}", ThreadWaitPolicy.PreferShortSpinWhenIdle());
        Assert.Null(Environment.GetEnvironmentVariable(ThreadWaitPolicy.SpinCountVariable));
        Assert.Contains($"{ThreadWaitPolicy.Variable}={policy}", ThreadWaitPolicy.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_runnable_thread_count_is_read_from_proc_loadavg()
    {
        if (!OperatingSystem.IsLinux()) return;
        var runnable = ThreadWaitPolicy.SystemRunnable();
        Assert.NotNull(runnable);
        Assert.True(runnable >= 1, $"this test's own thread is running, so at least 1, got {runnable}");

        // A busy process next to this one is seen, so the short spin would not be chosen. The test process runs other
        // test classes in parallel, whose threads start and stop between the two /proc reads of a look: a single
        // call can miss the busy process, so it gets ten tries (each of five looks).
        using var busy = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sh", ["-c", "while :; do :; done"]))!;
        try
        {
            Thread.Sleep(200);
            Assert.Contains(Enumerable.Range(0, 10).Select(_ => ThreadWaitPolicy.OtherRunnableThreads()), n => n >= 1);
        }
        finally
        {
            busy.Kill();
            busy.WaitForExit();
        }
    }
}
