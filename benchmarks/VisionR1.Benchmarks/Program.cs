using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using VisionR1.Benchmarks;

// The data-source memory probe measures resident memory, so it runs with glibc's default allocator settings unless
// asked for vr1's (--keep-freed-memory: freed tensor memory, up to 1 GiB of free heap, stays resident).
if (args.Length > 0 && args[0] == "data-memory")
{
    if (args.Contains("--keep-freed-memory")) VisionR1.Runtime.NativeAllocator.KeepFreedMemory();
    return VisionR1.Benchmarks.DataSourceMemoryProbe.Run(args[1..], Console.Out);
}

// tcmalloc where the system has it, as in vr1 (the process restarts in place; see NativeAllocator.PreferTcmalloc).
VisionR1.Runtime.NativeAllocator.PreferTcmalloc();

// Before any tensor call, here and (inherited) in BenchmarkDotNet's child processes: OpenMP workers spin
// briefly when the machine is idle and sleep when it is busy, and freed tensor memory stays in the process, as in vr1 (see ThreadWaitPolicy,
// NativeAllocator and docs/performance.md). mallopt acts on this process only; the children get the same
// settings from GLIBC_TUNABLES, which glibc reads when a process starts.
VisionR1.Runtime.ThreadWaitPolicy.PreferShortSpinWhenIdle();
VisionR1.Runtime.NativeAllocator.KeepFreedMemory();
if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GLIBC_TUNABLES")))
    Environment.SetEnvironmentVariable("GLIBC_TUNABLES", VisionR1.Runtime.NativeAllocator.GlibcTunables);

// `dotnet run -c Release --project benchmarks/VisionR1.Benchmarks -- --filter '*'` runs the
// BenchmarkDotNet suite; `-- verifier-latency [pairs] [fuzz]` prints per-pair answer-verifier
// throughput and latency percentiles on one thread (see VerifierLatencyProbe); `-- report [--quick]
// [--threads N] [--device D]` prints the same whole-step JSON report as `vr1 bench`; `-- data-memory
// [--items 10000]` measures the resident memory of a GRPO data source over 1024x768 images (DataSourceMemoryProbe);
// `-- rollout-loopback [--steps 4] [--threads 1]` times GRPO steps sampled in process and through the remote rollout engine on 127.0.0.1;
// `-- step-shapes` times training steps of a preset at several batch shapes (StepShapeProbe); `-- finished-rows --model DIR
// --problems FILE` times generation with finished rows dropped from the batch and without (FinishedRowsProbe); `-- concurrent-generation
// --model DIR --problems FILE` times GRPO rollouts and an evaluation with their batches in turn and side by side (ConcurrentGenerationProbe); `-- rollout-scaling --model DIR --problems FILE` times a GRPO
// rollout as one request against the same prompts split into dynamic sampling's rounds (RolloutScalingProbe); `-- pass-split --model DIR --problems FILE` times a reference-shaped
// pass with every image distinct and with GRPO groups sharing one (PassSplitProbe); `-- run-flops --run DIR` counts the model FLOPs a finished
// pipeline run computed, stage by stage, and the least time they take at a given peak (RunFlopsProbe).
// "bench": the thread-wait comparison's child processes (ContentionBench starts this entry assembly with "bench --contention-only").
if (args.Length > 0 && args[0] is "report" or "bench")
{
    var rest = args[1..];
    var options = new VisionR1.Diagnostics.BenchOptions(
        Quick: rest.Contains("--quick"),
        Threads: ProbeArgs.Int(rest, "--threads", 0),
        Device: ProbeArgs.Get(rest, "--device") ?? "cpu",
        Seed: ProbeArgs.Int(rest, "--seed", 1),
        Precision: VisionR1.Runtime.PrecisionChoice.ParsePolicy(ProbeArgs.Get(rest, "--dtype") ?? "auto"));
    VisionR1.Diagnostics.PerformanceBench.WriteReport(options, ProbeArgs.Get(rest, "--contention-only"), Console.Out, Console.Error);
    return 0;
}
if (args.Length > 0 && args[0] == "finished-rows")
{
    return await VisionR1.Benchmarks.FinishedRowsProbe.Run(args[1..], Console.Out);
}
if (args.Length > 0 && args[0] == "concurrent-generation")
{
    return await VisionR1.Benchmarks.ConcurrentGenerationProbe.Run(args[1..], Console.Out);
}
if (args.Length > 0 && args[0] == "rollout-scaling")
{
    return await VisionR1.Benchmarks.RolloutScalingProbe.Run(args[1..], Console.Out);
}
if (args.Length > 0 && args[0] == "pass-split")
{
    return await VisionR1.Benchmarks.PassSplitProbe.Run(args[1..], Console.Out);
}
if (args.Length > 0 && args[0] == "run-flops")
{
    return await VisionR1.Benchmarks.RunFlopsProbe.Run(args[1..], Console.Out);
}
if (args.Length > 0 && args[0] == "step-shapes")
{
    return VisionR1.Benchmarks.StepShapeProbe.Run(args[1..], Console.Out);
}
if (args.Length > 0 && args[0] == "rollout-loopback")
{
    return await VisionR1.Benchmarks.RolloutLoopbackProbe.Run(args[1..], Console.Out);
}
if (args.Length > 0 && args[0] == "verifier-latency")
{
    int pairs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000;
    int fuzz = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 0;
    VerifierLatencyProbe.Run(pairs, fuzz, Console.Out);
    return 0;
}

// BenchmarkDotNet builds each benchmark in a generated project that does not import this
// repository's Directory.Build.targets, so it would miss the TorchSharp native fix that
// VisionR1.Core's package gives its consumers. Every job therefore passes that targets file
// to MSBuild as CustomAfterMicrosoftCommonTargets.
var targets = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
    .First(a => a.Key == "VisionR1NativeFixTargets").Value!;
var config = DefaultConfig.Instance.AddJob(
    Job.Default.WithArguments([new MsBuildArgument($"/p:CustomAfterMicrosoftCommonTargets={targets}")]).AsDefault());
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
return 0;
