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
        output.WriteLine($"# small preset, {options.PromptsPerStep} prompts x G=8, 64-token cap, micro-batch 8, {threads} thread(s), {steps} steps each after 1 warm-up, set-ups in turn, medians; loadavg {File.ReadAllText("/proc/loadavg").Trim()}");

        // All six set-ups stay alive and take their steps in turn, so a change in the machine's load hits each alike; medians are reported.
        var runs = new List<SetUp>();
        try
        {
            foreach (bool lora in new[] { true, false })
                foreach (var (remote, perCompletion) in new[] { (false, false), (false, true), (true, true) })
                    runs.Add(new SetUp(lora, remote, perCompletion, template, tokenizer, prompts, options));
            for (int round = 0; round <= steps; round++)
                foreach (var run in runs) run.Trainer.TrainStep();
            foreach (var run in runs)
            {
                var measured = run.Sink.GrpoSteps.Skip(1).ToList();
                double step = Median(measured.Select(m => m.StepSeconds)), gen = Median(measured.Select(m => m.GenerationSeconds)), sync = Median(measured.Select(m => m.WeightSyncSeconds));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{run.Label,-45} step {step:F2} s, generation {gen:F2} s ({gen / step:P0}), weight sync {sync:F3} s ({sync / step:P1}), {measured.Average(m => m.CompletionLengthMean):F1} tokens/completion"));
            }
        }
        finally
        {
            foreach (var run in runs) await run.DisposeAsync();
        }
        output.WriteLine($"# loadavg after {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>One set-up: a policy, its engine (and loopback server) and its trainer.</summary>
    private sealed class SetUp : IAsyncDisposable
    {
        private readonly QwenPolicy _policy;
        private readonly LocalRolloutServer? _server;
        private readonly IRolloutEngine _engine;
        private readonly DirectoryInfo _shared = Directory.CreateTempSubdirectory("vr1-loopback-");

        public SetUp(bool lora, bool remote, bool perCompletion, ChatTemplate template, ITextTokenizer tokenizer, IReadOnlyList<GrpoPrompt> prompts, GrpoOptions options)
        {
            _policy = Policy(lora);
            _server = remote ? new LocalRolloutServer(Policy(lora: false), template, "small", "/models/small") : null;
            _engine = _server is null
                ? new InProcessRolloutEngine(_policy, new ChatPromptEncoder(template), perCompletion ? RolloutSeeding.PerCompletion : RolloutSeeding.PerChunk)
                : new RemoteRolloutEngine(new RemoteRolloutOptions
                {
                    BaseUrl = _server.BaseUrl,
                    Model = "small",
                    Server = lora ? RolloutServer.Vllm : RolloutServer.Sglang,
                    WeightSync = lora ? WeightSyncMode.Lora : WeightSyncMode.Disk,
                    SharedDirectory = _shared.FullName,
                    MaxConcurrency = 8,
                }, template);
            Trainer = new GrpoTrainer(_policy, new ChatPromptEncoder(template), tokenizer, [new WeightedReward(new HardFormatResultReward())], prompts, options, Sink, _engine);
            Label = (lora ? "lora r=8, " : "full, ") + (remote ? (lora ? "remote (vLLM's API, adapter sync)" : "remote (SGLang's API, disk sync)")
                : perCompletion ? "in-process, one at a time" : "in-process, batched");
        }

        public string Label { get; }
        public InMemoryMetricsSink Sink { get; } = new();
        public GrpoTrainer Trainer { get; }

        public async ValueTask DisposeAsync()
        {
            Trainer.Dispose();
            _engine.Dispose();
            if (_server is not null) await _server.DisposeAsync();
            _policy.Dispose();
            _shared.Delete(recursive: true);
        }
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
