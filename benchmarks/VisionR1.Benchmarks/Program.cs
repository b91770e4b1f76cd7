using BenchmarkDotNet.Running;

// `dotnet run -c Release --project benchmarks/VisionR1.Benchmarks -- --filter '*'` runs the
// BenchmarkDotNet suite; `-- report` prints the whole-step JSON report (same as `vr1 bench`).
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
