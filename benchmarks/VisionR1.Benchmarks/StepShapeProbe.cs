using System.Globalization;
using VisionR1.Model.Config;
using VisionR1.Runtime;
using VisionR1.Diagnostics;
using static TorchSharp.torch;

namespace VisionR1.Benchmarks;

/// <summary>
/// `-- step-shapes [--threads N] [--preset small] [--dtype bf16|fp32]`: forward, backward and update seconds of one training step of a preset
/// at several (rows, tokens per row) shapes, one image of 112 px per row, so that one can see how a step's time scales with
/// its tokens (the share that is per-token work against per-call overhead).
/// </summary>
public static class StepShapeProbe
{
    public static int Run(string[] args, TextWriter output)
    {
        string preset = ProbeArgs.Get(args, "--preset") ?? "small";
        var dtypes = (ProbeArgs.Get(args, "--dtype") ?? "bf16,fp32").Split(',');
        ProbeArgs.InitializeCpu(args);
        var config = Qwen25VLPresets.ByName(preset);
        int side = 112 / config.Vision.PatchSize;
        side -= side % config.Vision.SpatialMergeSize;
        foreach (var name in dtypes)
        {
            var dtype = name == "fp32" ? ScalarType.Float32 : ScalarType.BFloat16;
            foreach (var (rows, tokens, padding) in new[] { (32, 110, 0), (32, 110, 60), (32, 110, 1), (32, 48, 0), (32, 96, 0), (32, 192, 0), (16, 96, 0), (64, 96, 0), (8, 96, 0) })
            {
                using var timer = new TrainStepTimer(config, dtype, CPU, rows, tokens, side, 1, padding);
                for (int i = 0; i < 2; i++) timer.Step();
                var parts = Enumerable.Range(0, 5).Select(_ => timer.Step()).ToList();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name} {preset} rows {rows} tokens {tokens} left padding up to {padding}: forward {parts.Average(p => p.Forward):F3} s, backward {parts.Average(p => p.Backward):F3} s, update {parts.Average(p => p.Update):F3} s"));
            }
        }
        return 0;
    }
}
