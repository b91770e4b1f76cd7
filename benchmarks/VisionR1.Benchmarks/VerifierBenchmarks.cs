using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using BenchmarkDotNet.Attributes;
using VisionR1.Answers;

namespace VisionR1.Benchmarks;

/// <summary>
/// Answer verification on a realistic mix (integers, decimals, fractions, multiple choice, algebraic
/// expressions; half bare answers, half Vision-R1-style responses with a reasoning block and
/// <c>&lt;answer&gt; Final Answer: X &lt;/answer&gt;</c>). One benchmark operation is one pair on one thread,
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

/// <summary>The deterministic mix of pairs used by the verifier benchmarks.</summary>
public static class VerifierMix
{
    private static readonly string Reasoning =
        string.Concat(Enumerable.Repeat("Let me look at the figure again. The segment AB is 6 and the angle at C is 30 degrees, so I compute step by step. Wait, check the units. ", 12));

    /// <summary>Builds <paramref name="count"/> pairs, about 70% of them equal.</summary>
    public static (string Gold, string Prediction, AnswerContext? Context)[] Build(int count, int seed)
    {
        var rng = new Random(seed);
        var mix = new (string, string, AnswerContext?)[count];
        string[] choices = ["12", "15", "18", "24"];
        string[] exprGold = ["x^2+2x+1", "\\frac{x+2}{7}", "2\\sin x\\cos x", "\\sqrt{8}", "(x-1)(x+1)", "\\frac{\\pi}{3}", "3\\sqrt{13}", "e^{2x}"];
        string[] exprSame = ["(x+1)^2", "\\frac{x}{7}+\\frac{2}{7}", "\\sin(2x)", "2\\sqrt{2}", "x^2-1", "\\frac{1}{3}\\pi", "\\sqrt{117}", "(e^x)^2"];
        string[] exprDiff = ["(x-1)^2", "\\frac{x}{7}+2", "\\cos(2x)", "2\\sqrt{3}", "x^2+1", "\\frac{\\pi}{6}", "\\sqrt{113}", "e^{x^2}"];
        for (int i = 0; i < count; i++)
        {
            bool same = rng.NextDouble() < 0.7;
            string gold, pred;
            AnswerContext? context = null;
            switch (rng.Next(10))
            {
                case 0 or 1 or 2:
                {
                    int n = rng.Next(-50, 5000);
                    gold = n.ToString(CultureInfo.InvariantCulture);
                    pred = (same ? n : n + rng.Next(1, 9)).ToString(CultureInfo.InvariantCulture);
                    break;
                }
                case 3 or 4:
                {
                    double v = System.Math.Round(rng.NextDouble() * 100, 2);
                    gold = v.ToString("0.00", CultureInfo.InvariantCulture);
                    pred = (same ? v : v + 0.1).ToString("0.0#", CultureInfo.InvariantCulture);
                    break;
                }
                case 5 or 6:
                {
                    int a = rng.Next(1, 20), b = rng.Next(2, 20);
                    gold = $"\\frac{{{a}}}{{{b}}}";
                    pred = same ? (rng.Next(2) == 0 ? $"{a * 2}/{b * 2}" : $"\\dfrac{{{a * 3}}}{{{b * 3}}}") : $"{a + 1}/{b}";
                    break;
                }
                case 7 or 8:
                {
                    int k = rng.Next(choices.Length);
                    gold = ((char)('A' + k)).ToString();
                    int j = same ? k : (k + 1) % choices.Length;
                    pred = rng.Next(3) switch { 0 => $"({(char)('A' + j)})", 1 => choices[j], _ => $"option {(char)('A' + j)}" };
                    context = new AnswerContext(choices);
                    break;
                }
                default:
                {
                    int k = rng.Next(exprGold.Length);
                    gold = exprGold[k];
                    pred = same ? exprSame[k] : exprDiff[k];
                    break;
                }
            }
            if (rng.Next(2) == 0)
                pred = rng.Next(3) switch
                {
                    0 => $"<think>\n{Reasoning}\n</think>\n<answer> Final Answer:{pred} </answer>",
                    1 => $"{Reasoning} Therefore the answer is $\\boxed{{{pred}}}$.",
                    _ => $"<think>{Reasoning}</think><answer>\\boxed{{{pred}}}</answer>",
                };
            mix[i] = (gold, pred, context);
        }
        return mix;
    }
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
        "\\sin", "\\log", "\\begin{pmatrix}", "\\end{pmatrix}", "&", "\\\\", "$", "9^{9^{9}}", "<answer>", "</answer>", " ",
    ];

    private static string Soup(Random rng)
    {
        var sb = new StringBuilder();
        int n = rng.Next(1, 30);
        for (int i = 0; i < n; i++) sb.Append(Tokens[rng.Next(Tokens.Length)]);
        return sb.ToString();
    }
}
