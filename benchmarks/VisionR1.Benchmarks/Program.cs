using System.Globalization;
using BenchmarkDotNet.Running;
using VisionR1.Benchmarks;

// `dotnet run -c Release --project benchmarks/VisionR1.Benchmarks -- --filter '*'` runs the
// BenchmarkDotNet suite; `-- report` prints the whole-step JSON report (same as `vr1 bench`);
// `-- verifier-latency [pairs] [fuzz]` prints per-pair verifier latency percentiles on one thread.
if (args.Length > 0 && args[0] == "verifier-latency")
{
    int pairs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000;
    int fuzz = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 0;
    VerifierLatencyProbe.Run(pairs, fuzz, Console.Out);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
