using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Diagnostics;

/// <summary>
/// Measures how a thread-wait setting survives a busy machine: median training steps (a small batch of the small preset:
/// 8 rows × 64 tokens with one 112-px image each, many short parallel regions) for a few seconds alone, then one busy
/// process per core is started and the steps go on. OpenMP reads its wait settings once at load, so each setting runs
/// in a fresh <c>vr1 bench --contention-only</c> process with its environment; "chosen" is a process with this one's
/// environment, which makes its own start-up choice as any vr1 run does.
/// </summary>
public static class ContentionBench
{
    /// <summary>The settings compared: name and environment changes (null value: unset).</summary>
    public static IReadOnlyList<(string Name, IReadOnlyDictionary<string, string?> Environment)> Policies { get; } =
    [
        ("chosen", new Dictionary<string, string?>()),
        ("passive", new Dictionary<string, string?> { [ThreadWaitPolicy.Variable] = "PASSIVE", [ThreadWaitPolicy.SpinCountVariable] = null, ["VR1_THREAD_GOVERNOR"] = "off" }),
        ("spin20000", new Dictionary<string, string?> { [ThreadWaitPolicy.Variable] = null, [ThreadWaitPolicy.SpinCountVariable] = "20000", ["VR1_THREAD_GOVERNOR"] = "off" }),
        ("spin300000", new Dictionary<string, string?> { [ThreadWaitPolicy.Variable] = null, [ThreadWaitPolicy.SpinCountVariable] = "300000", ["VR1_THREAD_GOVERNOR"] = "off" }),
    ];

    /// <summary>Seconds of steps alone, then with the competitors.</summary>
    public const double AloneSeconds = 3, WithSeconds = 9;

    /// <summary>Runs the measurement in this process with its own settings.</summary>
    public static ContentionTiming MeasureHere(string policy, ScalarType dtype, Device device, long seed, CancellationToken cancellationToken)
    {
        int threads = get_num_threads();
        int changesBefore = ThreadGovernor.Changes;
        using var timer = new TrainStepTimer(PerformanceBench.Config, dtype, device, rows: 8, tokens: 64, imageSide: 8, seed);
        timer.Step(cancellationToken);
        double alone = MedianFor(timer, AloneSeconds, cancellationToken);
        int cores = Environment.ProcessorCount;
        var competitors = Enumerable.Range(0, cores).Select(_ => Process.Start(new ProcessStartInfo("sh", ["-c", "while :; do :; done"]))!).ToList();
        double with;
        try
        {
            Thread.Sleep(200);
            with = MedianFor(timer, WithSeconds, cancellationToken);
        }
        finally
        {
            foreach (var p in competitors)
            {
                p.Kill();
                p.WaitForExit();
                p.Dispose();
            }
        }
        string settings = $"{ThreadWaitPolicy.Describe()} governor={(ThreadGovernor.Enabled ? "on" : "off")} threads={threads}";
        return new ContentionTiming(policy, settings, alone, with, cores, Math.Max(1.0, (double)(threads + cores) / cores), ThreadGovernor.Changes - changesBefore);
    }

    /// <summary>
    /// Runs every policy of <see cref="Policies"/> in its own child process (Linux; elsewhere an empty list) with
    /// <paramref name="threads"/> (0: libtorch's default), not this process's current count, which its own governor may have lowered.
    /// </summary>
    public static IReadOnlyList<ContentionTiming> MeasureAll(string dtypeName, string device, int threads, long seed, TextWriter log, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux()) return [];
        var results = new List<ContentionTiming>();
        foreach (var (name, env) in Policies)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = SelfStart(["bench", "--contention-only", name, "--dtype", dtypeName, "--device", device, "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            foreach (var (k, v) in env)
            {
                if (v is null) start.Environment.Remove(k);
                else start.Environment[k] = v;
            }
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            using var child = Process.Start(start) ?? throw new InvalidOperationException("Could not start a vr1 child process.");
            var stdout = child.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = child.StandardError.ReadToEndAsync(cancellationToken);
            child.WaitForExit();
            if (child.ExitCode != 0)
                throw new InvalidOperationException($"The contention child for '{name}' failed ({child.ExitCode}): {stderr.Result}");
            var timing = JsonSerializer.Deserialize<ContentionTiming>(stdout.Result, BenchReport.JsonOptions)
                         ?? throw new InvalidDataException($"The contention child for '{name}' printed no result.");
            log.WriteLine(FormattableString.Invariant(
                $"contention {name} ({timing.Settings}): alone {timing.AloneSeconds:F3} s, with {timing.CompetitorThreads} busy processes {timing.WithCompetitorSeconds:F3} s ({timing.Slowdown:F2}x; fair {timing.FairSlowdown:F2}x; {timing.BeyondFairShare:F2}x beyond), thread changes {timing.ThreadChanges}"));
            results.Add(timing);
        }
        return results;
    }

    private static double MedianFor(TrainStepTimer timer, double seconds, CancellationToken cancellationToken)
    {
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds || times.Count < 3)
        {
            ThreadGovernor.Poll();
            var (f, b, u) = timer.Step(cancellationToken);
            times.Add(f + b + u);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>A start of this same program (the apphost, or <c>dotnet vr1.dll</c>) with <paramref name="arguments"/>.</summary>
    private static ProcessStartInfo SelfStart(IEnumerable<string> arguments)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown.");
        var entry = Assembly.GetEntryAssembly()?.Location;
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(entry))
            start.ArgumentList.Add(entry);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        return start;
    }
}
