using System.Diagnostics;
using System.Text.Json;
using VisionR1.Grpo.Planning;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Lora;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Planning;

/// <summary>The memory plan: its parts follow the configuration, and its training peak matches the measured one of small configs.</summary>
public sealed class MemoryPlanTests
{
    public MemoryPlanTests() => VisionR1Runtime.Initialize("cpu");

    private static readonly LoraConfig Lora16 = new() { Rank = 16, Alpha = 32, TargetModules = [LoraConfig.AllLinear] };

    private static MemoryPlanOptions SevenB(LoraConfig? lora) => new()
    {
        Config = Qwen25VLPresets.Qwen7B, DType = ScalarType.BFloat16, Lora = lora, MicroBatchSize = 1, PromptsPerStep = 4, GroupSize = 8,
        PromptLength = 1024, CompletionLength = 4096, Checkpointing = GradientCheckpointing.TextLayers,
    };

    [Fact]
    public void Seven_b_full_fine_tuning_needs_more_than_80_gb_and_lora_fits()
    {
        var full = MemoryPlan.Estimate(SevenB(null));
        // The arithmetic: 14 GB bf16 weights, 28 GB fp32 masters, 56 GB moments and a 14 GB reference for the text model.
        Assert.InRange(full.Parameters, 8_200_000_000, 8_400_000_000);
        Assert.Equal(full.Parameters * 2, full.Weights);
        Assert.Equal(full.TrainableParameters * 4, full.MasterWeights);
        Assert.Equal(full.TrainableParameters * 8, full.Optimizer);
        Assert.Equal(full.Weights, full.Reference);
        Assert.False(full.Fits(80L << 30));

        var lora = MemoryPlan.Estimate(SevenB(Lora16));
        Assert.Equal(0, lora.Reference);
        Assert.Equal(0, lora.MasterWeights);
        Assert.Equal(lora.TrainableParameters * 8, lora.Optimizer);
        // r·(in + out) over q, k, v, o, gate, up, down of 28 layers.
        Assert.Equal(16L * 28 * ((3584 + 3584) * 2 + (3584 + 512) * 2 + (3584 + 18944) * 3), lora.TrainableParameters);
        Assert.True(lora.Fits(80L << 30), lora.ToTable(80L << 30));
    }

    [Fact]
    public void Checkpointing_and_a_longer_completion_move_the_activations_the_right_way()
    {
        var plain = MemoryPlan.Estimate(SevenB(Lora16) with { Checkpointing = GradientCheckpointing.None });
        var checkpointed = MemoryPlan.Estimate(SevenB(Lora16));
        Assert.True(checkpointed.Activations < plain.Activations / 5, $"{checkpointed.Activations} vs {plain.Activations}");
        var longer = MemoryPlan.Estimate(SevenB(Lora16) with { CompletionLength = 8192 });
        Assert.True(longer.Activations > checkpointed.Activations && longer.KvCache > checkpointed.KvCache);
        Assert.Equal(checkpointed.Weights, longer.Weights);
    }

    /// <summary>Runs `vr1 plan --measure --json` in its own process (the peak is the process's own) and returns (predicted, measured) training peaks.</summary>
    internal static (long Predicted, long Measured) MeasureInChild(string arguments)
    {
        var vr1 = Path.Combine(AppContext.BaseDirectory, "vr1.dll");
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(host, $"{vr1} plan {arguments} --measure --json --threads 1")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        var stderrTask = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(10)), "vr1 plan --measure did not finish in 10 minutes");
        string stdout = stdoutTask.Result, stderr = stderrTask.Result;
        Assert.True(process.ExitCode == 0, $"vr1 plan exited with {process.ExitCode}: {stderr}");
        using var json = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        return (json.RootElement.GetProperty("peak_training").GetInt64(), json.RootElement.GetProperty("measured_peak_training").GetInt64());
    }

    private static void AssertWithin15Percent(string arguments)
    {
        if (!ResidentMemory.Supported) return; // the measurement reads Linux's /proc; the prediction itself is checked above
        var (predicted, measured) = MeasureInChild(arguments);
        double error = (predicted - measured) / (double)measured;
        Assert.True(Math.Abs(error) <= 0.15, $"{arguments}: predicted {predicted:N0} B, measured {measured:N0} B ({error:P1})");
    }

    [Fact]
    public void Predicted_training_peak_of_a_small_fp32_step_is_within_15_percent_of_the_measured_one() =>
        AssertWithin15Percent("--preset small --dtype f32 --micro-batch 2 --prompt-len 64 --completion-len 192");

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData("--preset small --dtype f32 --micro-batch 4 --prompt-len 128 --completion-len 256")]
    [InlineData("--preset small --dtype f32 --micro-batch 4 --prompt-len 128 --completion-len 256 --lora-r 8")]
    [InlineData("--preset small --dtype f32 --micro-batch 4 --prompt-len 128 --completion-len 256 --checkpointing text")]
    [InlineData("--preset small --dtype f32 --micro-batch 4 --prompt-len 128 --completion-len 256 --lora-r 8 --checkpointing text")]
    [InlineData("--preset medium --dtype f32 --micro-batch 2 --prompt-len 96 --completion-len 320 --lora-r 16 --lora-targets q_proj,v_proj --beta 0")]
    public void Predicted_training_peaks_are_within_15_percent_of_the_measured_ones(string arguments) => AssertWithin15Percent(arguments);
}
