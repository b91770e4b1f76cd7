using System.CommandLine;
using System.Globalization;
using TorchSharp;
using VisionR1.Runtime;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>`vr1 info`: the runtime report and measured matrix-multiply rates.</summary>
public sealed class InfoCommand : ICliCommand
{
    private readonly Option<string> _device = CommonOptions.Device();
    private readonly Option<int> _threads = CommonOptions.Threads();
    private readonly Option<int> _size = Opt.Int("--size", 1024, "The side of the timed square matrix product (16 to 16384).");
    private readonly PrecisionOption _precision = new();

    /// <inheritdoc />
    public string Name => "info";

    /// <inheritdoc />
    public string Summary => "Load the tensor runtime, print what is in use and measure matmul GFLOP/s.";

    /// <inheritdoc />
    public Task<int> RunAsync(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var device = parse.GetValue(_device)!;
        var threads = parse.GetValue(_threads);
        var size = parse.GetValue(_size);
        var precision = _precision.Read(parse);
        if (size is < 16 or > 16384) throw new CliUsageException("--size must be between 16 and 16384.");

        var report = VisionR1Runtime.Initialize(device, threads, precision);
        stdout.WriteLine(report.ToString());
        stdout.WriteLine(NativeAllocator.Describe());
        var fp32 = VisionR1Runtime.MeasureMatmulGflops(size, torch.ScalarType.Float32, device: report.Device);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"matmul {size}x{size} fp32: {fp32:F1} GFLOP/s"));
        // Where auto rejected bf16 the probe already says how slow it is; a large bf16 product there takes seconds.
        if (report.Precision.IsBf16)
        {
            var bf16 = VisionR1Runtime.MeasureMatmulGflops(size, torch.ScalarType.BFloat16, device: report.Device);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"matmul {size}x{size} bf16: {bf16:F1} GFLOP/s"));
        }
        return Task.FromResult(0);
    }
}
