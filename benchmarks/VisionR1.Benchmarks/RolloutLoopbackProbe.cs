using System.Globalization;
using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rewards;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Rollout.Engines;
using VisionR1.Grpo.Schedule;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Lora;
using VisionR1.Runtime;
using VisionR1.Tests.Rollout;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Benchmarks;

/// <summary>
/// `-- rollout-loopback [--steps 4] [--threads 1]`: GRPO steps of the small preset with completions sampled in process and
/// through the remote rollout engine against the tests' HTTP server on 127.0.0.1 (one model, one request at a time), with
/// LoRA (vLLM's API) and full weights (SGLang's API); "one at a time" samples in process as the server does (each completion alone,
/// its seed its own). Prints the mean step, generation and weight-sync seconds after a warm-up step. The test server also scores
/// every completion with a full forward pass to report its log-probs, so its generation column holds that pass too.
/// </summary>
internal static class RolloutLoopbackProbe
{
    public static async Task<int> Run(string[] args, TextWriter output)
    {
        int steps = Option(args, "--steps", 4);
        int threads = Option(args, "--threads", 1);
        VisionR1Runtime.Initialize("cpu", threads);
        var tokenizer = CompactTokenizerTrainer.TrainDefault();
        var template = new ChatTemplate(tokenizer, ChatTemplateOptions.NoSystemPrompt);
        var prompts = Enumerable.Range(0, 64)
            .Select(i => new GrpoPrompt($"p{i}", $"What is {i} plus {i}? Think step by step.", (2 * i).ToString(CultureInfo.InvariantCulture)))
            .ToList();
        var options = new GrpoOptions
        {
            Schedule = PtstSchedule.Single(64, 8, 1_000_000),
            PromptsPerStep = 2,
            MicroBatchSize = 8,
            LearningRate = 1e-5,
        };
        output.WriteLine($"# small preset, {options.PromptsPerStep} prompts x G=8, 64-token cap, micro-batch 8, {threads} thread(s), {steps} steps after 1 warm-up; loadavg {File.ReadAllText("/proc/loadavg").Trim()}");

        foreach (bool lora in new[] { true, false })
        {
            foreach (var (remote, perCompletion) in new[] { (false, false), (false, true), (true, true) })
            {
                using var policy = Policy(lora);
                var server = remote ? new LocalRolloutServer(Policy(lora: false), template, "small", "/models/small") : null;
                var shared = Directory.CreateTempSubdirectory("vr1-loopback-");
                try
                {
                    using var engine = server is null
                        ? (IRolloutEngine)new InProcessRolloutEngine(policy, new ChatPromptEncoder(template), perCompletion ? RolloutSeeding.PerCompletion : RolloutSeeding.PerChunk)
                        : new RemoteRolloutEngine(new RemoteRolloutOptions
                        {
                            BaseUrl = server.BaseUrl,
                            Model = "small",
                            Server = lora ? RolloutServer.Vllm : RolloutServer.Sglang,
                            WeightSync = lora ? WeightSyncMode.Lora : WeightSyncMode.Disk,
                            SharedDirectory = shared.FullName,
                            MaxConcurrency = 8,
                        }, template);
                    var sink = new InMemoryMetricsSink();
                    using var trainer = new GrpoTrainer(policy, new ChatPromptEncoder(template), tokenizer,
                        [new WeightedReward(new HardFormatResultReward())], prompts, options, sink, engine);
                    trainer.Train(steps + 1);
                    var measured = sink.GrpoSteps.Skip(1).ToList();
                    double step = measured.Average(m => m.StepSeconds), gen = measured.Average(m => m.GenerationSeconds), sync = measured.Average(m => m.WeightSyncSeconds);
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{(lora ? "lora r=8" : "full    ")} {(remote ? (lora ? "remote vllm-api, adapter sync  " : "remote sglang-api, disk sync   ") : perCompletion ? "in-process, one at a time     " : "in-process, batched           ")} step {step:F2} s, generation {gen:F2} s ({gen / step:P0}), weight sync {sync:F3} s ({sync / step:P1}), tokens {measured.Average(m => m.CompletionLengthMean):F1}/completion"));
                }
                finally
                {
                    if (server is not null) await server.DisposeAsync();
                    shared.Delete(recursive: true);
                }
            }
        }
        output.WriteLine($"# loadavg after {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    private static QwenPolicy Policy(bool lora)
    {
        var model = new Qwen25VLModel(Qwen25VLPresets.Small, CPU);
        model.InitializeWeights(1);
        var policy = new QwenPolicy(model);
        if (lora) policy.AttachLora(new LoraConfig { Rank = 8, Alpha = 16, TargetModules = [LoraConfig.AllLinear] }, 7);
        return policy;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
