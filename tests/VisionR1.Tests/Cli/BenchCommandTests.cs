using System.Text.Json;
using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Bench;

public sealed class BenchCommandTests
{
    private static readonly string[] PositiveFields =
    [
        "matmul_peak_gflops_fp32", "train_step_gflop", "train_step_seconds_fp32_small", "precision_probe_gflops_fp32",
        "train_step_mfu_fp32_small", "decode_tokens_per_s_small",
        "kv_cache_speedup_256", "kv_cache_speedup_256_one_row", "grpo_step_seconds_small", "verifier_pairs_per_s", "peak_rss_mb", "elapsed_seconds",
    ];

    private static readonly string[] FractionFields =
        ["grpo_generation_fraction", "grpo_logprob_fraction", "grpo_update_fraction", "grpo_loss_fraction"];

    [Fact]
    public async Task Quick_bench_prints_one_json_object_with_every_field_sane()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await CommandLine.RunAsync(["bench", "--quick"], stdout, stderr, CancellationToken.None);
        Assert.True(code == 0, stderr.ToString());

        using var json = JsonDocument.Parse(stdout.ToString());
        var root = json.RootElement;
        Assert.True(root.GetProperty("quick").GetBoolean());
        // The report names the wait setting in effect (the test process chose it at load: PassiveThreadWait), and claims
        // the allocator setting only once it was applied (another test may apply it while this one runs; it never reverts).
        Assert.Equal(VisionR1.Runtime.ThreadWaitPolicy.Describe(), root.GetProperty("thread_wait").GetString());
        Assert.True(!root.GetProperty("keeps_freed_memory").GetBoolean() || VisionR1.Runtime.NativeAllocator.Applied);
        foreach (var name in PositiveFields)
        {
            double value = root.GetProperty(name).GetDouble();
            Assert.True(double.IsFinite(value) && value > 0, $"{name} = {value}");
        }
        // MFU is a share of a peak measured in the same process; timer noise may nudge it past 1, never far.
        Assert.InRange(root.GetProperty("train_step_mfu_fp32_small").GetDouble(), 1e-6, 1.5);
        // bf16 steps are measured exactly where the run resolved bf16 (where bf16 is emulated they would take minutes).
        string precision = root.GetProperty("precision").GetString()!;
        Assert.Contains(precision, new[] { "fp32", "bf16" });
        Assert.Contains("GFLOP/s", root.GetProperty("precision_reason").GetString());
        foreach (var name in new[] { "matmul_peak_gflops_bf16", "train_step_seconds_bf16_small", "train_step_mfu_bf16_small" })
        {
            var field = root.GetProperty(name);
            if (precision == "bf16") Assert.True(field.GetDouble() > 0, $"{name} = {field}");
            else Assert.Equal(JsonValueKind.Null, field.ValueKind);
        }
        if (precision == "bf16") Assert.InRange(root.GetProperty("train_step_mfu_bf16_small").GetDouble(), 1e-6, 1.5);
        double shares = 0;
        foreach (var name in FractionFields)
        {
            double value = root.GetProperty(name).GetDouble();
            Assert.InRange(value, 0.0, 1.0);
            if (name != "grpo_loss_fraction") shares += value;
        }
        Assert.InRange(shares, 0.5, 1.0 + 1e-9);
        Assert.Equal(0, root.GetProperty("live_tensors_growth").GetInt64());
        Assert.Equal(0, root.GetProperty("live_tensors_after").GetInt64());
        Assert.Equal(2, root.GetProperty("train_step_images").GetInt32());
        Assert.True(root.GetProperty("threads").GetInt32() >= 1);
    }

    [Fact]
    public void The_chosen_wait_setting_is_judged_against_the_best_in_each_condition()
    {
        static VisionR1.Diagnostics.ContentionTiming T(string name, double alone, double with) => new(name, "", alone, with, 2, 2, 0);
        // Best alone 0.10 (spin), best with competitors 0.30 (passive): the chosen one is within 1.5x of both.
        Assert.True(VisionR1.Diagnostics.PerformanceBench.WithinOfBest([T("chosen", 0.14, 0.40), T("passive", 0.20, 0.30), T("spin", 0.10, 3.0)], 1.5));
        // A setting that is fastest alone but several-fold slower next to a busy process fails.
        Assert.False(VisionR1.Diagnostics.PerformanceBench.WithinOfBest([T("chosen", 0.10, 3.0), T("passive", 0.20, 0.30)], 1.5));
        Assert.Equal(1.5, T("x", 0.2, 0.6).BeyondFairShare, 9);
    }

    [Fact]
    public async Task Negative_thread_count_is_a_usage_error()
    {
        var stderr = new StringWriter();
        int code = await CommandLine.RunAsync(["bench", "--threads", "-1"], new StringWriter(), stderr, CancellationToken.None);
        Assert.Equal(2, code);
        Assert.Contains("--threads", stderr.ToString());
    }
}
