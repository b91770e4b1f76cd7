using System.Diagnostics;
using System.Text.Json;
using VisionR1.Grpo.Planning;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Lora;
using VisionR1.Model.Qwen3VL;
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

    [Fact]
    public void Qwen25_plans_keep_their_numbers()
    {
        // `vr1 plan --preset 7b --lora-r 16 --checkpointing text` and a full fine-tuning of the 3B with its vision tower.
        var lora = MemoryPlan.Estimate(new MemoryPlanOptions
        {
            Config = Qwen25VLPresets.Qwen7B, Lora = Lora16, PromptLength = 512, CompletionLength = 4096, Checkpointing = GradientCheckpointing.TextLayers,
        });
        Assert.Equal((6_205_722_624L, 2_113_929_216L, 23_190_874_112L, 19_192_436_736L), (lora.Activations, lora.KvCache, lora.PeakTraining, lora.PeakGeneration));
        var full = MemoryPlan.Estimate(new MemoryPlanOptions
        {
            Config = Qwen25VLPresets.Qwen3B, FreezeVisionTower = false, ImagePatchesPerPrompt = 4096, Checkpointing = GradientCheckpointing.All,
        });
        Assert.Equal((5_626_839_040L, 1_358_954_496L, 71_317_192_704L, 68_951_891_968L), (full.Activations, full.KvCache, full.PeakTraining, full.PeakGeneration));
    }

    private static MemoryPlanOptions EightB(int rank, int completion) => new()
    {
        Config = Qwen3VLPresets.Qwen8B, DType = ScalarType.BFloat16, Lora = Lora16 with { Rank = rank, Alpha = 2 * rank },
        PromptLength = 512, CompletionLength = completion, Checkpointing = GradientCheckpointing.TextLayers,
    };

    [Fact]
    public void Qwen3_vl_8b_lora_plan_counts_its_parts_from_the_qwen3_layout()
    {
        var plan = MemoryPlan.Estimate(EightB(16, 4096));
        Assert.Equal(8_767_123_696L, plan.Parameters);
        // r·(in + out) over q, o (4096 → 4096), k, v (4096 → 8·128) and gate, up, down (4096 ↔ 12288) of 36 layers.
        Assert.Equal(16L * 36 * ((4096 + 4096) * 2 + (4096 + 1024) * 2 + (4096 + 12288) * 3), plan.TrainableParameters);
        Assert.Equal(plan.Parameters * 2, plan.Weights);
        Assert.Equal(plan.TrainableParameters * 8, plan.Optimizer);
        Assert.Equal(plan.TrainableParameters * 4, plan.Gradients);
        Assert.Equal(0, plan.MasterWeights + plan.Reference);
        // Keys and values of 36 layers, 8 KV heads of 128, bf16, 8 completions of 512 + 4096 positions.
        Assert.Equal(2L * 36 * 8 * 128 * 2 * 8 * (512 + 4096), plan.KvCache);
        Assert.True(plan.Activations > 0 && plan.Fits(80L << 30), plan.ToTable(80L << 30));
    }

    [Fact]
    public void Qwen3_vl_plans_grow_with_the_lora_rank_and_the_completion_length()
    {
        var ranks = new[] { 8, 16, 64 }.Select(r => MemoryPlan.Estimate(EightB(r, 4096))).ToList();
        var lengths = new[] { 1024, 2048, 4096 }.Select(n => MemoryPlan.Estimate(EightB(16, n))).ToList();
        for (int i = 1; i < 3; i++)
        {
            Assert.True(ranks[i].TrainableParameters > ranks[i - 1].TrainableParameters && ranks[i].Optimizer > ranks[i - 1].Optimizer);
            Assert.True(ranks[i].Peak > ranks[i - 1].Peak);
            Assert.Equal(ranks[0].KvCache, ranks[i].KvCache);
            Assert.True(lengths[i].Activations > lengths[i - 1].Activations && lengths[i].KvCache > lengths[i - 1].KvCache);
            Assert.True(lengths[i].Peak > lengths[i - 1].Peak);
            Assert.Equal(lengths[0].Weights, lengths[i].Weights);
        }
    }

    [Fact]
    public void Each_deepstack_merger_adds_its_activations_when_the_vision_tower_trains()
    {
        var with = Qwen3VLPresets.Small;
        var without = with with { Vision = with.Vision with { DeepstackVisualIndexes = [] } };
        MemoryPlanOptions Options(Qwen3VLConfig config, bool train) => new()
        {
            Config = config, DType = ScalarType.Float32, FreezeVisionTower = !train, MicroBatchSize = 2, ImagePatchesPerPrompt = 256,
            PromptLength = 128, CompletionLength = 64,
        };
        var trained = MemoryPlan.Estimate(Options(with, true)).Activations - MemoryPlan.Estimate(Options(without, true)).Activations;
        // Two mergers, each keeping three 4·128-wide fp32 outputs per merged token (256 / 4 per prompt, two prompts).
        Assert.Equal(2L * 3 * 4 * (4 * 128) * (2 * 256 / 4), trained);
        Assert.Equal(MemoryPlan.Estimate(Options(without, false)).Activations, MemoryPlan.Estimate(Options(with, false)).Activations);
    }

    [Fact]
    public void A_qwen3_vl_config_file_is_planned_as_its_family()
    {
        var dir = Directory.CreateTempSubdirectory("vr1-plan-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "config.json"), VisionR1.Tests.Model.Qwen3VL.Qwen3VLTestData.Json());
            var loaded = PlannedModel.Load(dir.FullName);
            Assert.Equal(QwenVLFamily.Qwen3VL, loaded.Family);
            var fromFile = MemoryPlan.Estimate(new MemoryPlanOptions { Config = loaded, Lora = Lora16 });
            var fromConfig = MemoryPlan.Estimate(new MemoryPlanOptions { Config = Qwen3VLConfig.Parse(VisionR1.Tests.Model.Qwen3VL.Qwen3VLTestData.Json()), Lora = Lora16 });
            Assert.Equal(fromConfig, fromFile);
            Assert.Equal(QwenVLFamily.Qwen25VL, PlannedModel.From(Qwen25VLPresets.Tiny).Family);
        }
        finally
        {
            dir.Delete(true);
        }
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
