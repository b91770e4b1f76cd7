using System.Globalization;
using VisionR1.Data.Readers;
using VisionR1.Grpo.Advantages;
using VisionR1.Grpo.Loss;
using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rewards;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Rollout.Engines;
using VisionR1.Grpo.Schedule;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.Model.Config;
using VisionR1.Model.Generation;
using VisionR1.Runtime;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>`vr1 grpo`: GRPO with a PTST stage schedule over a Qwen2.5-VL folder and a problem JSONL; resumable.</summary>
public sealed class GrpoCommand : ICliCommand, IHasSwitches
{
    /// <inheritdoc />
    public string Name => "grpo";

    /// <inheritdoc />
    public string Summary => "GRPO with a PTST stage schedule (default: the paper's 4096x16 -> 8192x8) on problem JSONL; resumable.";

    /// <inheritdoc />
    public string Usage =>
        "vr1 grpo --model DIR --data FILE --out DIR [--schedule JSON|FILE] [--resume [latest-good]] [--device cpu|cuda[:N]] [--threads N]\n" +
        "         [--reward hfrrf|soft] [--prompts-per-step 8] [--lr 1e-6] [--warmup 0] [--beta 0.01] [--epsilon 0.2]\n" +
        "         [--epsilon-high E] [--dual-clip C] [--updates 1] [--micro-batch 8] [--generation-batch N] [--concurrent-generations 1]\n" +
        "         [--concurrent-micro-batches 1]\n" +
        "         [--temperature 1.0] [--top-p 1.0] [--aggregation token|sequence|drgrpo] [--scale group|batch|none] [--mask-truncated]\n" +
        "         [--dynamic-sampling] [--max-steps N] [--save-every 50] [--keep 3] [--seed 42] [--dtype auto|fp32|bf16] [--train-vision]\n" +
        "         [--strict] [--compact-tokenizer]\n" +
        "         [--rollout-engine local|remote --rollout-url URL --rollout-model NAME [--rollout-server vllm|sglang]\n" +
        "          [--weight-sync lora|disk] [--shared-dir DIR] [--sync-every 1] [--rollout-concurrency 32] [--rollout-timeout 600] [--is-cap 2]]\n" +
        ScaleArgs.Usage + ResumeArg.Usage +
        "  DIR: a Hugging Face Qwen2.5-VL folder (config.json, *.safetensors, tokenizer files); resume with the same DIR\n" +
        "       (the KL reference is rebuilt from it).\n" +
        "  FILE: JSONL in the geometry3k layout, one problem per line:\n" +
        "    {\"id\": \"7\", \"problem\": \"Find x.\", \"answer\": \"3\", \"images\": [\"img/7.png\"], \"choices\": [...], \"precision\": 1}\n" +
        "    (\"question\" is accepted for \"problem\"; images are relative to FILE; no system prompt, as the paper's RL).\n" +
        "    A bad line (or a prompt too long for the model with the schedule's completion length) is named and skipped;\n" +
        "    --strict stops at the first instead. --compact-tokenizer: see vr1 sft --help.\n" +
        "  --schedule: a JSON stage list, e.g. '[{\"max_completion_length\":4096,\"group_size\":16,\"steps\":100},\n" +
        "    {\"max_completion_length\":8192,\"group_size\":8,\"steps\":100}]' (optional: prompts, temperature, name,\n" +
        "    switch_trigger {\"clipped_ratio_above\":0.04,\"for_steps\":2}); 'paper', 'zero', 'long' name the presets.\n" +
        "  --concurrent-generations N: a step's prompts are generated in at least N chunks side by side, each on its own thread with\n" +
        "    a share of --threads (generation of a small model keeps about one core busy; 2 on a two-core CPU uses both).\n" +
        "  --concurrent-micro-batches N: the update's and the reference pass's micro-batches run N at a time, one thread each, with the\n" +
        "    same gradients and log-probs as in turn (they add up in micro-batch order); faster where one pass leaves cores idle.\n" +
        "  --reward hfrrf: Vision-R1's hard format-and-result reward (default); soft: format and accuracy 1:1 (the Zero baseline).\n" +
        "  --rollout-engine remote: completions come from a vLLM or SGLang server at URL serving the base model as NAME; the trainer\n" +
        "    publishes its weights into DIR (default OUT/published; the same path must be readable by the server) before the first step\n" +
        "    and every --sync-every steps (k > 1 samples from weights up to k-1 updates old: off-policy), as a LoRA adapter (needs\n" +
        "    --lora-r; vLLM: --enable-lora with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True) or, with --weight-sync disk, as a full checkpoint\n" +
        "    SGLang reloads. The server's log-probs weight each token by min(pi_old/pi_server, --is-cap). Requests run --rollout-concurrency\n" +
        "    at a time, each retried on a lost connection, 5xx or a --rollout-timeout (seconds) deadline.\n" +
        "  Writes OUT/metrics.jsonl, OUT/events.jsonl (stage switches, checkpoints, weight syncs), OUT/checkpoints/step-N and OUT/final.";

    /// <inheritdoc />
    public IReadOnlyList<string> Switches => ["bf16", "train-vision", "mask-truncated", "dynamic-sampling", "strict", "compact-tokenizer"];

    /// <inheritdoc />
    public Task<int> RunAsync(CliArgs args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var modelDir = args.Require("model");
        var dataPath = args.Require("data");
        var outDir = args.Require("out");
        var resumeMode = ResumeArg.Read(args);
        bool resume = resumeMode is not null;
        var device = args.Get("device") ?? "cpu";
        int threads = args.GetInt("threads", 0);
        var schedule = ParseSchedule(args.Get("schedule"));
        var reward = args.Get("reward") ?? "hfrrf";
        var epsilonHigh = args.Get("epsilon-high");
        var dualClip = args.Get("dual-clip");
        var generationBatch = args.GetInt("generation-batch", 0);
        var options = new GrpoOptions
        {
            Schedule = schedule,
            PromptsPerStep = args.GetInt("prompts-per-step", 8),
            LearningRate = args.GetDouble("lr", 1e-6),
            WarmupSteps = args.GetInt("warmup", 0),
            UpdatesPerRollout = args.GetInt("updates", 1),
            MicroBatchSize = args.GetInt("micro-batch", 8),
            GenerationBatchSize = generationBatch > 0 ? generationBatch : null,
            ConcurrentGenerations = args.GetInt("concurrent-generations", 1),
            Throughput = new ThroughputOptions { ConcurrentMicroBatches = args.GetInt("concurrent-micro-batches", 1) },
            Temperature = args.GetDouble("temperature", 1.0),
            TopP = args.GetDouble("top-p", 1.0),
            Loss = new GrpoLossOptions(
                EpsilonLow: args.GetDouble("epsilon", 0.2),
                EpsilonHigh: epsilonHigh is null ? null : Number(epsilonHigh, "epsilon-high"),
                Beta: args.GetDouble("beta", 1e-2),
                DualClip: dualClip is null ? null : Number(dualClip, "dual-clip"),
                Aggregation: (args.Get("aggregation") ?? "token") switch
                {
                    "token" => LossAggregation.TokenMean,
                    "sequence" => LossAggregation.SequenceMean,
                    "drgrpo" => LossAggregation.DrGrpo,
                    var other => throw new CliUsageException($"--aggregation must be token, sequence or drgrpo, got '{other}'."),
                }),
            Advantages = new AdvantageOptions((args.Get("scale") ?? "group") switch
            {
                "group" => AdvantageScaling.GroupStd,
                "batch" => AdvantageScaling.BatchStd,
                "none" => AdvantageScaling.None,
                var other => throw new CliUsageException($"--scale must be group, batch or none, got '{other}'."),
            }),
            MaskTruncatedCompletions = args.Flag("mask-truncated"),
            DynamicSampling = args.Flag("dynamic-sampling"),
            SaveEverySteps = args.GetInt("save-every", 50),
            KeepLastCheckpoints = args.GetInt("keep", 3),
            Seed = args.GetInt("seed", 42),
            FreezeVisionTower = !args.Flag("train-vision"),
            OutputDirectory = outDir,
            SyncEverySteps = args.GetInt("sync-every", 1),
            ImportanceSamplingCap = args.GetDouble("is-cap", 2.0),
        };
        var rollout = RolloutArgs.Read(args, outDir);
        int maxSteps = args.GetInt("max-steps", 0);
        var precision = PrecisionOption.Read(args, "bf16");
        bool strict = args.Flag("strict");
        bool compactTokenizer = args.Flag("compact-tokenizer");
        var scale = ScaleArgs.Read(args);
        args.ThrowOnUnknown();
        if (rollout is { WeightSync: WeightSyncMode.Lora } && scale.Lora is null)
            throw new CliUsageException("--rollout-engine remote publishes a LoRA adapter by default: add --lora-r R, or use --weight-sync disk (SGLang).");
        using var outLock = VisionR1.IO.OutputFolderLock.Acquire(outDir, "vr1 grpo");
        TrainingDataFiles.CheckRun(options.Validate, outDir, resume);
        IRewardFunction rewardFunction = reward switch
        {
            "hfrrf" => new HardFormatResultReward(),
            "soft" => WeightedSumReward.ZeroBaseline(),
            _ => throw new CliUsageException($"--reward must be hfrrf or soft, got '{reward}'."),
        };

        var runtime = VisionR1Runtime.Initialize(device, threads, precision);
        var tokenizer = TrainingDataFiles.LoadTokenizer(modelDir, compactTokenizer, stderr);
        var template = new ChatTemplate(tokenizer, ChatTemplateOptions.NoSystemPrompt);
        var text = Qwen25VLConfig.Load(modelDir).Text;
        int maxCompletion = schedule.Stages.Max(st => st.MaxCompletionLength);
        var report = new ReadReport();
        // Images are decoded as each batch is built; the cache holds about a step's worth (a 1024x768 image is ~19 MB of patches).
        var images = new ImageLoader(cacheBytes: 512L << 20);
        // Reading checks each prompt's length with its images decoded once (a corrupt image is named and skipped here);
        // this loader keeps nothing, so the pixels are dropped again.
        var check = new ImageLoader(images.Processor);
        var data = TrainingDataFiles.ReadProblems(dataPath, prompt =>
        {
            IReadOnlyList<ChatTurn> turns;
            try
            {
                turns = check.Resolve(prompt.Conversation());
            }
            catch (Exception e) when (e is IOException or InvalidImageException)
            {
                return $"image could not be read: {e.Message}";
            }
            return PromptBudget.Check(template.Encode(turns, addGenerationPrompt: true).Length, maxCompletion, text);
        }, strict, report, cancellationToken);
        TrainingDataFiles.ReportSkipped("grpo", report, stderr);
        using var policy = TrainingDataFiles.LoadPolicy(modelDir, runtime.Device, runtime.Precision.IsBf16);
        scale.Apply(policy, options.Seed, stderr);
        var encoder = new ChatPromptEncoder(template, images);
        using var engine = rollout is null ? null : new RemoteRolloutEngine(rollout, template, images: images);
        using var trainer = new GrpoTrainer(policy, encoder, tokenizer, [new WeightedReward(rewardFunction)], data, options, rolloutEngine: engine);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"grpo: {data.Count} problems ({report.Skipped.Count} skipped), schedule {schedule}, reward {rewardFunction.Name}, device {runtime.Device.type.ToString().ToLowerInvariant()}, rollout {trainer.RolloutEngine.Name}"));
        trainer.Metrics = new ConsoleProgressSink(stderr, null); // reports checkpoints that --resume latest-good moves aside
        long? from = resumeMode is { } mode ? trainer.TryResume(mode)?.Step : null;
        if (resume) stdout.WriteLine(from is { } s ? $"resuming after step {s}" : "nothing to resume; starting fresh");
        using var jsonl = new JsonlMetricsSink(outDir, keepUpToStep: from ?? 0);
        trainer.Metrics = new CompositeMetricsSink(jsonl, new ConsoleProgressSink(stdout, schedule.TotalSteps));
        var result = trainer.Train(maxSteps > 0 ? maxSteps : null, cancellationToken);
        return Task.FromResult(TrainingDataFiles.Finish("grpo", result, policy, tokenizer, outDir, stdout, cancellationToken));
    }

    private static PtstSchedule ParseSchedule(string? value)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case null or "" or "paper": return PtstSchedule.Paper();
            case "zero": return PtstSchedule.Zero();
            case "long": return PtstSchedule.Long();
        }
        try
        {
            return File.Exists(value) ? PtstSchedule.Load(value) : PtstSchedule.FromJson(value!);
        }
        catch (FormatException e)
        {
            throw new CliUsageException($"--schedule: {e.Message}");
        }
    }

    private static double Number(string text, string name) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new CliUsageException($"--{name} expects a number, got '{text}'.");
}
