using System.Globalization;
using System.Runtime.InteropServices;

namespace VisionR1.Runtime;

/// <summary>
/// How libtorch's OpenMP worker threads wait between parallel regions. OpenMP reads the setting once,
/// when the native library loads, so an application chooses at start-up, before its first tensor call.
/// <list type="bullet">
/// <item><b>Long spin</b> (libgomp's default, about 300,000 spins; <c>OMP_WAIT_POLICY=ACTIVE</c> spins for ever): on a
/// machine with more runnable threads than cores a spinning worker holds a core that another worker needs, and a short
/// training step can take tens of times longer next to busy processes.</item>
/// <item><b>Passive</b> (<c>OMP_WAIT_POLICY=PASSIVE</c>): workers sleep on a futex and every parallel region pays a
/// wake-up, which slows small steps on an idle machine.</item>
/// <item><b>Short spin</b> (<c>GOMP_SPINCOUNT=20000</c>): back-to-back parallel regions find the workers awake, and a
/// worker that waits longer goes to sleep: close to the long spin when idle, close to passive when busy.</item>
/// </list>
/// docs/performance.md gives the measurements.
/// </summary>
public static class ThreadWaitPolicy
{
    /// <summary>The OpenMP variable that holds the policy.</summary>
    public const string Variable = "OMP_WAIT_POLICY";

    /// <summary>libgomp's variable for how many times a waiting worker spins before it sleeps.</summary>
    public const string SpinCountVariable = "GOMP_SPINCOUNT";

    /// <summary>The spin count <see cref="PreferShortSpinWhenIdle"/> sets.</summary>
    public const int ShortSpinCount = 20_000;

    /// <summary>
    /// Sets <c>OMP_WAIT_POLICY=PASSIVE</c> in the native process environment unless the user already
    /// chose a policy. Returns the policy now in effect for a library loaded after this call
    /// (the user's, "PASSIVE", or null where the native environment cannot be set: Windows).
    /// Call it before the first TorchSharp call; afterwards it has no effect on the loaded runtime.
    /// </summary>
    public static string? PreferPassive()
    {
        var current = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(current)) return current;
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())) return null;
        if (!Set(Variable, "PASSIVE")) return null;
        return "PASSIVE";
    }

    /// <summary>
    /// On Linux (libtorch's libgomp), when no other process is running, sets <c>GOMP_SPINCOUNT</c> to
    /// <see cref="ShortSpinCount"/>; when others are running, or on other systems, falls back to <see cref="PreferPassive"/>.
    /// A user's <c>OMP_WAIT_POLICY</c> or <c>GOMP_SPINCOUNT</c> is kept. Returns the setting in effect, as
    /// <c>VARIABLE=value</c> (null where none can be set: Windows). Call it before the first TorchSharp call.
    /// </summary>
    public static string? PreferShortSpinWhenIdle()
    {
        var policy = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(policy)) return $"{Variable}={policy}";
        var spins = Environment.GetEnvironmentVariable(SpinCountVariable);
        if (!string.IsNullOrEmpty(spins)) return $"{SpinCountVariable}={spins}";
        if (!OperatingSystem.IsLinux() || OtherRunnableThreads() > 0)
            return PreferPassive() is { } passive ? $"{Variable}={passive}" : null;
        var value = ShortSpinCount.ToString(CultureInfo.InvariantCulture);
        return Set(SpinCountVariable, value) ? $"{SpinCountVariable}={value}" : null;
    }

    /// <summary>The wait setting this process's environment holds now (what a libtorch loaded now would use), e.g. <c>GOMP_SPINCOUNT=20000</c>, or "default".</summary>
    public static string Describe()
    {
        var parts = new[] { Variable, SpinCountVariable }
            .Select(name => (name, value: Environment.GetEnvironmentVariable(name)))
            .Where(p => !string.IsNullOrEmpty(p.value))
            .Select(p => $"{p.name}={p.value}")
            .ToList();
        return parts.Count == 0 ? "default" : string.Join(' ', parts);
    }

    /// <summary>
    /// Threads of other processes that are running or ready to run at a priority near this process's
    /// (<see cref="ThreadGovernor.CompetingRunnableThreads"/>): the fewest seen in five looks 20 ms apart, so a passing burst
    /// does not count but a busy process does. 0 where it cannot be read.
    /// </summary>
    internal static int OtherRunnableThreads()
    {
        int fewest = int.MaxValue;
        for (int look = 0; look < 5; look++)
        {
            if (look > 0) Thread.Sleep(20);
            if (ThreadGovernor.CompetingRunnableThreads() is not { } n) return 0;
            fewest = Math.Min(fewest, n);
        }
        return fewest;
    }

    /// <summary>The running/ready count in /proc/loadavg's fourth field ("running/total").</summary>
    internal static int? SystemRunnable()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 4) return null;
            var slash = fields[3].IndexOf('/', StringComparison.Ordinal);
            return slash > 0 && int.TryParse(fields[3].AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool Set(string name, string value)
    {
        // .NET keeps its own copy of the environment on Unix; native getenv needs libc's setenv.
        if (SetEnv(name, value, 0) != 0) return false;
        Environment.SetEnvironmentVariable(name, value);
        return true;
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
