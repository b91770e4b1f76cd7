using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using BenchmarkDotNet.Attributes;
using VisionR1.Answers;
using VisionR1.Diagnostics;

namespace VisionR1.Benchmarks;

/// <summary>
/// Answer verification on a realistic mix (integers, decimals, fractions, multiple choice, algebraic
/// expressions; half bare answers, half Vision-R1-style responses with a reasoning block and
/// "Final Answer: X" in the answer tags of <see cref="ThinkAnswerFormat.Default"/>). One benchmark operation is one pair on one thread,
/// so pairs/s per core = 1 / mean. Per-pair latency percentiles come from <see cref="VerifierLatencyProbe"/>.
/// </summary>
[MemoryDiagnoser]
public class VerifierBenchmarks
{
    private const int MixSize = 4096;
    private (string Gold, string Prediction, AnswerContext? Context)[] _mix = [];
    private MathVerifier _verifier = null!;

    [GlobalSetup]
    public void Setup()
    {
        _verifier = new MathVerifier();
        _mix = VerifierMix.Build(MixSize, seed: 1);
    }

    /// <summary>The whole mix, one pair after another.</summary>
    [Benchmark(OperationsPerInvoke = MixSize)]
    public int RealisticMix()
    {
        int equal = 0;
        foreach (var (g, p, c) in _mix)
            if (_verifier.Verify(g, p, c).Equal) equal++;
        return equal;
    }

    /// <summary>Bare plain numbers only (the fast path).</summary>
    [Benchmark]
    public bool PlainNumbers() => _verifier.Verify("12345", "12345.0").Equal;

    /// <summary>An identity that needs numeric evaluation at test points.</summary>
    [Benchmark]
    public bool Expression() => _verifier.Verify("x^2+2x+1", "(x+1)^2").Equal;
}

/// <summary>
/// Per-pair latency on one thread: verifies a mix pair by pair with a stopwatch around each call
/// and prints pairs/s, p50, p99 and the maximum; optionally the same over random token soups (fuzz).
/// Run with <c>dotnet run -c Release --project benchmarks/VisionR1.Benchmarks -- verifier-latency [pairs] [fuzz]</c>.
/// </summary>
public static class VerifierLatencyProbe
{
    /// <summary>Measures and prints; returns the p99 latency in milliseconds of the realistic mix.</summary>
    public static double Run(int pairs, int fuzz, TextWriter output)
    {
        var verifier = new MathVerifier();
        var mix = VerifierMix.Build(pairs, seed: 2);
        for (int i = 0; i < System.Math.Min(20_000, pairs); i++) verifier.Verify(mix[i].Gold, mix[i].Prediction, mix[i].Context);
        var (rate, cpuRate, p50, p99, max) = Measure(pairs, i => verifier.Verify(mix[i].Gold, mix[i].Prediction, mix[i].Context));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"realistic mix: {pairs} pairs on one thread, {rate:F0} pairs/s wall-clock, {cpuRate:F0} pairs per thread-CPU-second, p50 {p50 * 1000:F1} us, p99 {p99 * 1000:F1} us, max {max:F2} ms"));
        if (fuzz > 0)
        {
            var rng = new Random(3);
            var soups = new string[2048];
            for (int i = 0; i < soups.Length; i++) soups[i] = Soup(rng);
            var (frate, fcpu, fp50, fp99, fmax) = Measure(fuzz, i => verifier.Verify(soups[i % soups.Length], soups[(i * 7 + 1) % soups.Length]));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fuzz: {fuzz} token-soup pairs, {frate:F0} pairs/s wall-clock, {fcpu:F0} pairs per thread-CPU-second, p50 {fp50 * 1000:F1} us, p99 {fp99 * 1000:F1} us, max {fmax:F2} ms"));
        }
        return p99;
    }

    private static (double Rate, double CpuRate, double P50, double P99, double Max) Measure(int count, Action<int> call)
    {
        var times = new double[count];
        double cpu0 = ThreadCpuSeconds();
        var total = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            call(i);
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        total.Stop();
        double cpu = ThreadCpuSeconds() - cpu0;
        Array.Sort(times);
        return (count / total.Elapsed.TotalSeconds, cpu > 0 ? count / cpu : double.NaN, times[count / 2], times[(int)(count * 0.99)], times[^1]);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>CPU time of the calling thread (Linux CLOCK_THREAD_CPUTIME_ID), so a shared machine's load does not count; NaN elsewhere.</summary>
    private static double ThreadCpuSeconds()
    {
        if (!OperatingSystem.IsLinux()) return double.NaN;
        return ClockGetTime(3, out var t) == 0 ? t.Seconds + t.Nanoseconds * 1e-9 : double.NaN;
    }

    private static readonly string[] Tokens =
    [
        "\\frac", "\\sqrt", "{", "}", "(", ")", "[", "]", "\\{", "\\}", "^", "_", "+", "-", "*", "/", "=", "<", "\\le", "\\pm",
        "x", "y", "\\pi", "e", "1", "2", "10", "0.5", "\\infty", ",", "\\cup", "|", "!", "%", "\\boxed{", "\\text{", "cm", "and",
        "\\sin", "\\log", "\\begin{pmatrix}", "\\end{pmatrix}", "&", "\\\\", "$", "9^{9^{9}}", ThinkAnswerFormat.DefaultAnswerOpen, ThinkAnswerFormat.DefaultAnswerClose, " ",
    ];

    private static string Soup(Random rng)
    {
        var sb = new StringBuilder();
        int n = rng.Next(1, 30);
        for (int i = 0; i < n; i++) sb.Append(Tokens[rng.Next(Tokens.Length)]);
        return sb.ToString();
    }
}
