using System.Diagnostics;
using System.Globalization;
using static TorchSharp.torch;

namespace VisionR1.Runtime;

/// <summary>
/// Re-decides at run time how many intra-op threads libtorch uses, so that a process started after this one does not
/// stall every parallel region. With as many threads as cores, each parallel region waits for its slowest worker; when
/// another busy process takes a core, that worker is descheduled for a scheduler slice (milliseconds) in every region,
/// whatever the OpenMP wait policy, and a step of thousands of small regions becomes several times slower than its fair
/// share. <see cref="Poll"/>, called between steps on the thread that runs the tensor work, looks (at most every
/// <see cref="Interval"/>) at the threads of other processes that are running or ready at a priority near this
/// process's, and uses the cores they leave (at least one); when two looks in a row agree on a new count it applies it,
/// and when the others stop it returns to the configured count. Trainers of VisionR1.Grpo call it every step; it acts
/// once an application enables it (the vr1 sample does, unless <c>VR1_THREAD_GOVERNOR=off</c>).
/// </summary>
public static class ThreadGovernor
{
    private static readonly object Gate = new();
    private static readonly Stopwatch Clock = Stopwatch.StartNew();
    private static int _configured;
    private static int _current;
    private static int _candidate;
    private static int _agreeing;
    private static TimeSpan? _lastLook;
    private static int _changes;

    /// <summary>How often <see cref="Poll"/> looks at the machine (2 s; a look reads /proc, a few milliseconds).</summary>
    public static TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Whether <see cref="Poll"/> acts. Off unless an application turns it on (<see cref="EnableUnlessTurnedOff"/>): a changed
    /// thread count can change the last bits of parallel reductions, so runs that must repeat bit for bit keep it off.
    /// </summary>
    public static bool Enabled { get; set; }

    /// <summary>
    /// Turns the governor on, unless the environment variable <c>VR1_THREAD_GOVERNOR</c> is "off" or "0" or the system is
    /// not Linux (where it cannot look). Returns whether it is on.
    /// </summary>
    public static bool EnableUnlessTurnedOff()
    {
        Enabled = OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("VR1_THREAD_GOVERNOR") is not ("off" or "0");
        return Enabled;
    }

    /// <summary>How many times the thread count was changed in this process.</summary>
    public static int Changes => Volatile.Read(ref _changes);

    /// <summary>The thread count in use after the last change (0 before the first poll).</summary>
    public static int Current => Volatile.Read(ref _current);

    /// <summary>Sets the count to return to when the machine is free (<see cref="VisionR1Runtime.Initialize"/> calls it).</summary>
    public static void Configure(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        lock (Gate)
        {
            _configured = threads;
            _current = threads;
            _agreeing = 0;
        }
    }

    /// <summary>
    /// Looks at the machine if <see cref="Interval"/> passed since the last look and applies a changed thread count once two
    /// looks in a row agree. Returns the count in use. Call it on the thread that runs the tensor work, between steps
    /// (OpenMP keeps the count per calling thread).
    /// </summary>
    public static int Poll()
    {
        if (!Enabled) return get_num_threads();
        lock (Gate)
        {
            if (_configured == 0) Configure(get_num_threads());
            var now = Clock.Elapsed;
            if (_lastLook is { } last && now - last < Interval) return _current;
            _lastLook = now;
            int others = CompetingRunnableThreads() ?? 0;
            int wanted = Decide(_configured, Environment.ProcessorCount, others);
            if (wanted == _current)
            {
                _agreeing = 0;
                return _current;
            }
            _agreeing = wanted == _candidate ? _agreeing + 1 : 1;
            _candidate = wanted;
            if (_agreeing < 2) return _current;
            set_num_threads(wanted);
            _current = wanted;
            _agreeing = 0;
            Interlocked.Increment(ref _changes);
            return wanted;
        }
    }

    /// <summary>The thread count for <paramref name="others"/> competing runnable threads: the cores they leave, at least 1, at most <paramref name="configured"/>.</summary>
    public static int Decide(int configured, int cores, int others) => Math.Clamp(Math.Min(configured, cores - Math.Max(0, others)), 1, Math.Max(1, configured));

    /// <summary>
    /// Threads of other processes that are running or ready (state R in <c>/proc/PID/task/TID/stat</c>) at a nice value
    /// at most 4 above this process's (a nice-19 build next to a nice-0 run gets about 1.5% of a core and is not counted).
    /// Null where /proc cannot be read.
    /// </summary>
    public static int? CompetingRunnableThreads()
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc")) return null;
        int self = Environment.ProcessId;
        var selfDir = $"/proc/{self.ToString(CultureInfo.InvariantCulture)}";
        int ownNice = NiceOf(Path.Combine(selfDir, "stat")) ?? 0;
        var ownGroup = AutogroupOf(selfDir);
        int count = 0;
        try
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                var name = Path.GetFileName(dir);
                if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid == self) continue;
                IEnumerable<string> tasks;
                (string Name, int Nice)? group;
                try
                {
                    tasks = Directory.EnumerateDirectories(Path.Combine(dir, "task")).ToList();
                    group = AutogroupOf(dir);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue; // the process ended or is not ours to read
                }
                foreach (var task in tasks)
                {
                    var (state, nice) = StateOf(Path.Combine(task, "stat"));
                    if (Competes(state, nice, ownNice, group, ownGroup)) count++;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return count;
    }

    /// <summary>
    /// Whether a thread competes with this process: running or ready, and at most 4 nice levels below it. With the kernel's
    /// autogroups (one per session, on by default on desktop Linux) the scheduler first shares the cores between groups by
    /// the groups' nice values and only then between a group's threads by theirs: a thread of another group is compared
    /// by its group's nice, one of this process's group by its own.
    /// </summary>
    internal static bool Competes(char state, int nice, int ownNice, (string Name, int Nice)? group = null, (string Name, int Nice)? ownGroup = null)
    {
        if (state != 'R') return false;
        if (group is { } g && ownGroup is { } o && g.Name != o.Name) return g.Nice <= o.Nice + 4;
        return nice <= ownNice + 4;
    }

    /// <summary>The process's autogroup ("/autogroup-6 nice 0" in /proc/PID/autogroup), or null without autogroups.</summary>
    private static (string Name, int Nice)? AutogroupOf(string processDir)
    {
        try
        {
            var path = Path.Combine(processDir, "autogroup");
            if (!File.Exists(path)) return null;
            var parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length >= 3 && parts[1] == "nice" && int.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
                ? (parts[0], n)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static int? NiceOf(string statPath)
    {
        var (state, nice) = StateOf(statPath);
        return state == '\0' ? null : nice;
    }

    /// <summary>The state letter and nice value of a stat file ('\0' where it cannot be read).</summary>
    private static (char State, int Nice) StateOf(string statPath)
    {
        try
        {
            // The fields follow the parenthesised command name, which may itself hold spaces or parentheses:
            // state is the first of them, nice the 17th.
            var stat = File.ReadAllText(statPath);
            int close = stat.LastIndexOf(')');
            if (close < 0) return ('\0', 0);
            var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 17 || fields[0].Length != 1) return ('\0', 0);
            return (fields[0][0], int.TryParse(fields[16], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ('\0', 0);
        }
    }
}
