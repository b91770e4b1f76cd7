using System.Runtime.InteropServices;

namespace VisionR1.Runtime;

/// <summary>
/// How libtorch's OpenMP worker threads wait between parallel regions. By default they spin;
/// on a machine with more runnable threads than cores (shared CI, several jobs) a spinning
/// worker can hold a core that another worker needs, and a 60 ms training step was measured
/// at 4–7 s with two threads. Passive waiting (sleep on a futex) removes that at a small cost
/// in wake-up latency. OpenMP reads the policy once, when the native library loads, so
/// an application sets it at start-up, before its first tensor call.
/// </summary>
public static class ThreadWaitPolicy
{
    /// <summary>The OpenMP variable that holds the policy.</summary>
    public const string Variable = "OMP_WAIT_POLICY";

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
        // .NET keeps its own copy of the environment on Unix; native getenv needs libc's setenv.
        if (SetEnv(Variable, "PASSIVE", 0) != 0) return null;
        Environment.SetEnvironmentVariable(Variable, "PASSIVE");
        return "PASSIVE";
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
