using System.Reflection;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

// `dotnet run -c Release --project benchmarks/VisionR1.Benchmarks -- --filter '*'` runs the
// BenchmarkDotNet suite.
//
// BenchmarkDotNet builds each benchmark in a generated project that does not import this
// repository's Directory.Build.targets, so it would miss the TorchSharp native fix that
// VisionR1.Core's package gives its consumers. Every job therefore passes that targets file
// to MSBuild as CustomAfterMicrosoftCommonTargets.
var targets = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
    .First(a => a.Key == "VisionR1NativeFixTargets").Value!;
var config = DefaultConfig.Instance.AddJob(
    Job.Default.WithArguments([new MsBuildArgument($"/p:CustomAfterMicrosoftCommonTargets={targets}")]).AsDefault());
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
