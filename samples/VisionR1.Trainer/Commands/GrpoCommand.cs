using System.CommandLine;
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
using VisionR1.Model;
using VisionR1.Model.Generation;
using VisionR1.Runtime;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>`vr1 grpo`: GRPO with a PTST stage schedule over a Qwen2.5-VL or Qwen3-VL folder and a problem JSONL; resumable.</summary>
public sealed class GrpoCommand : ICliCommand
{
    private readonly Option<string> _model = Opt.Required("--model", "A Hugging Face Qwen2.5-VL or Qwen3-VL folder (config.json, *.safetensors, tokenizer files); resume with the same DIR (the KL reference is rebuilt from it).", "DIR");
    private readonly Option<string> _data = Opt.Required("--data", "Problem JSONL in the geometry3k layout, one problem per line (see below).", "FILE");
    private readonly Option<string> _out = Opt.Required("--out", "The run folder: metrics.jsonl, events.jsonl, checkpoints/step-N, final/.", "DIR");
    private readonly Option<string> _device = CommonOptions.Device();
    private readonly Option<int> _threads = CommonOptions.Threads();
    private readonly Option<string?> _schedule = Opt.Text("--schedule", "The PTST stages: 'paper' (4096x16 -> 8192x8), 'zero', 'long', a JSON stage list or a file holding one (see below).", "JSON|FILE");
    private readonly Option<int> _generationBatch = Opt.Int("--generation-batch", 0, "Sequences generated together (0: all of a step).", "N");
    private readonly Option<int> _promptsPerStep = Opt.Int("--prompts-per-step", 8, "Prompts per step (each sampled group-size times).", "N");
    private readonly Option<double> _lr = Opt.Number("--lr", 1e-6, "Learning rate (the paper: 1e-6).", "X");
    private readonly Option<int> _warmup = Opt.Int("--warmup", 0, "Linear warm-up steps.", "N");
    private readonly Option<int> _updates = Opt.Int("--updates", 1, "Optimizer updates per batch of rollouts.", "N");
    private readonly Option<int> _microBatch = Opt.Int("--micro-batch", 8, "Completions per forward/backward micro-batch.", "N");
    private readonly Option<int> _concurrentGenerations = Opt.Int("--concurrent-generations", 1, "A step's prompts are generated in at least N chunks side by side, each on its own thread with a share of --threads.", "N");
    private readonly Option<int> _concurrentMicroBatches = Opt.Int("--concurrent-micro-batches", 1, "The update's and the reference pass's micro-batches run N at a time, one thread each, with the same gradients and log-probs as in turn; faster where one pass leaves cores idle.", "N");
    private readonly Option<double> _temperature = Opt.Number("--temperature", 1.0, "Sampling temperature of the rollouts.", "X");
    private readonly Option<double> _topP = Opt.Number("--top-p", 1.0, "Nucleus sampling threshold of the rollouts.", "X");
    private readonly Option<double?> _epsilon = Opt.OptionalNumber("--epsilon", "Lower clip range of the importance ratio (and the upper one unless --epsilon-high) [default: the algorithm's; grpo: 0.2].", "X");
    private readonly Option<double?> _epsilonHigh = Opt.OptionalNumber("--epsilon-high", "Upper clip range (DAPO clip-higher) [default: the algorithm's; grpo: --epsilon].", "X");
    private readonly Option<double?> _beta = Opt.OptionalNumber("--beta", "Weight of the KL penalty to the reference model (0: no reference pass) [default: the algorithm's; grpo: 0.01].", "X");
    private readonly Option<double?> _dualClip = Opt.OptionalNumber("--dual-clip", "Dual-clip bound c > 1 on negative advantages [default: none].", "X");
    private readonly Option<bool> _maskTruncated = Opt.Switch("--mask-truncated", "Leave completions cut at the length limit out of the loss (dapo does by default).");
    private readonly Option<bool> _dynamicSampling = Opt.Switch("--dynamic-sampling", "Drop groups whose rewards are all equal and refill the batch (dapo does by default).");
    private readonly Option<int> _saveEvery = Opt.Int("--save-every", 50, "Steps between checkpoints.", "N");
    private readonly Option<int> _keep = Opt.Int("--keep", 3, "Checkpoints kept (older ones are deleted).", "N");
    private readonly Option<int> _seed = Opt.Int("--seed", 42, "Seed of the data order, sampling and the adapter.", "N");
    private readonly Option<bool> _trainVision = CommonOptions.TrainVision();
    private readonly Option<int> _syncEvery = Opt.Int("--sync-every", 1, "Steps between weight publications to a remote rollout server (k > 1 is off-policy).", "N");
    private readonly Option<double> _isCap = Opt.Number("--is-cap", 2.0, "Cap of the importance weight min(pi_old/pi_server, cap) on a remote server's log-probs.", "X");
    private readonly Option<int> _maxSteps = Opt.Int("--max-steps", 0, "Stop after N steps (0: run the whole schedule).", "N");
    private readonly Option<bool> _strict = CommonOptions.Strict();
    private readonly Option<bool> _compactTokenizer = CommonOptions.CompactTokenizer();
    private readonly Option<string> _algorithm = Opt.Choice("--algorithm",
        "The member of the GRPO family whose paper sets the defaults of the advantage, objective, aggregation, clip range, KL and sampling; any of those options given here wins (docs/recipe.md has the table).",
        [.. GrpoAlgorithmNames.All]);
    private readonly Option<string> _reward = Opt.Choice("--reward", "hfrrf: Vision-R1's hard format-and-result reward; soft: format and accuracy 1:1 (the Zero baseline).", ["hfrrf", "soft"]);
    private readonly Option<string?> _aggregation = Opt.OptionalChoice("--aggregation", "How token losses add up: token mean (DAPO), sequence mean (GRPO's paper) or Dr. GRPO's constant [default: the algorithm's; grpo: token].", ["token", "sequence", "drgrpo"]);
    private readonly Option<string?> _scale = Opt.OptionalChoice("--scale", "What advantages are divided by: the group's reward std, the batch's, or nothing [default: the algorithm's; grpo: group].", ["group", "batch", "none"]);
    private readonly ResumeArg _resume = new();
    private readonly PrecisionOption _precision = new("bf16");
    private readonly ScaleArgs.Group _scaleArgs = new();
    private readonly RolloutArgs _rollout = new();

    /// <inheritdoc />
    public string Name => "grpo";

    /// <inheritdoc />
    public string Summary => "GRPO with a PTST stage schedule (default: the paper's 4096x16 -> 8192x8) on problem JSONL; resumable.";

    /// <inheritdoc />
    public string Details =>
        "FILE is JSONL in the geometry3k layout, one problem per line:\n" +
        "  {\"id\": \"7\", \"problem\": \"Find x.\", \"answer\": \"3\", \"images\": [\"img/7.png\"], \"choices\": [...], \"precision\": 1}\n" +
        "(\"question\" is accepted for \"problem\"; images are relative to FILE; no system prompt, as the paper's RL). A bad line (or a prompt " +
        "too long for the model with the schedule's completion length) is named and skipped; --strict stops at the first instead.\n" +
        "--schedule takes a JSON stage list, e.g. '[{\"max_completion_length\":4096,\"group_size\":16,\"steps\":100}, " +
        "{\"max_completion_length\":8192,\"group_size\":8,\"steps\":100}]' (optional: prompts, temperature, name, " +
        "switch_trigger {\"clipped_ratio_above\":0.04,\"for_steps\":2}).\n" +
        "Writes OUT/metrics.jsonl, OUT/events.jsonl (stage switches, checkpoints, weight syncs), OUT/checkpoints/step-N and OUT/final.";

    /// <inheritdoc />
    public Task<int> RunAsync(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var modelDir = parse.GetValue(_model)!;
        var dataPath = parse.GetValue(_data)!;
        var outDir = parse.GetValue(_out)!;
        var resumeMode = _resume.Read(parse);
        bool resume = resumeMode is not null;
        var device = parse.GetValue(_device)!;
        int threads = parse.GetValue(_threads);
        var schedule = ParseSchedule(parse.GetValue(_schedule));
        var reward = parse.GetValue(_reward)!;
        var generationBatch = parse.GetValue(_generationBatch);
        var algorithm = GrpoAlgorithmNames.Parse(parse.GetValue(_algorithm)!);
        var defaults = AlgorithmDefaults.For(algorithm);
        var options = new GrpoOptions
        {
            Schedule = schedule,
            PromptsPerStep = parse.GetValue(_promptsPerStep),
            LearningRate = parse.GetValue(_lr),
            WarmupSteps = parse.GetValue(_warmup),
            UpdatesPerRollout = parse.GetValue(_updates),
            MicroBatchSize = parse.GetValue(_microBatch),
            GenerationBatchSize = generationBatch > 0 ? generationBatch : null,
            ConcurrentGenerations = parse.GetValue(_concurrentGenerations),
            Throughput = new ThroughputOptions { ConcurrentMicroBatches = parse.GetValue(_concurrentMicroBatches) },
            Temperature = parse.GetValue(_temperature),
            TopP = parse.GetValue(_topP),
            Algorithm = algorithm,
            Loss = LossOptions(parse, defaults.Loss),
            Advantages = parse.GetValue(_scale) is { } scaling ? defaults.Advantages with { Scaling = Scaling(scaling) } : defaults.Advantages,
            MaskTruncatedCompletions = parse.GetValue(_maskTruncated) || defaults.MaskTruncatedCompletions,
            DynamicSampling = parse.GetValue(_dynamicSampling) || defaults.DynamicSampling,
            SaveEverySteps = parse.GetValue(_saveEvery),
            KeepLastCheckpoints = parse.GetValue(_keep),
            Seed = parse.GetValue(_seed),
            FreezeVisionTower = !parse.GetValue(_trainVision),
            OutputDirectory = outDir,
            SyncEverySteps = parse.GetValue(_syncEvery),
            ImportanceSamplingCap = parse.GetValue(_isCap),
        };
        var rollout = _rollout.Read(parse, outDir);
        int maxSteps = parse.GetValue(_maxSteps);
        var precision = _precision.Read(parse);
        bool strict = parse.GetValue(_strict);
        bool compactTokenizer = parse.GetValue(_compactTokenizer);
        var scale = _scaleArgs.Read(parse);
        if (rollout is { WeightSync: WeightSyncMode.Lora } && scale.Lora is null)
            throw new CliUsageException("--rollout-engine remote publishes a LoRA adapter by default: add --lora-r R, or use --weight-sync disk (SGLang).");
        using var outLock = VisionR1.IO.OutputFolderLock.Acquire(outDir, "vr1 grpo");
        TrainingDataFiles.CheckRun(options.Validate, outDir, resume);
        IRewardFunction rewardFunction = reward switch
        {
            "hfrrf" => new HardFormatResultReward(),
            _ => WeightedSumReward.ZeroBaseline(),
        };

        var runtime = VisionR1Runtime.Initialize(device, threads, precision);
        var tokenizer = TrainingDataFiles.LoadTokenizer(modelDir, compactTokenizer, stderr);
        var template = new ChatTemplate(tokenizer, ChatTemplateOptions.NoSystemPrompt);
        int maxPositions = TrainingDataFiles.ReadModelConfig(modelDir).MaxPositionEmbeddings;
        int maxCompletion = schedule.Stages.Max(st => st.MaxCompletionLength);
        var report = new ReadReport();
        // Images are decoded as each batch is built; the cache holds about a step's worth (a 1024x768 image is ~19 MB of patches).
        var images = new ImageLoader(QwenVLFamilies.ImageProcessorOf(modelDir), cacheBytes: 512L << 20);
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
            return PromptBudget.Check(template.Encode(turns, addGenerationPrompt: true).Length, maxCompletion, maxPositions);
        }, strict, report, cancellationToken);
        TrainingDataFiles.ReportSkipped("grpo", report, stderr);
        using var policy = TrainingDataFiles.LoadPolicy(modelDir, runtime.Device, runtime.Precision.IsBf16);
        scale.Apply(policy, options.Seed, stderr);
        var encoder = new ChatPromptEncoder(template, images);
        using var engine = rollout is null ? null : new RemoteRolloutEngine(rollout, template, images: images);
        using var trainer = new GrpoTrainer(policy, encoder, tokenizer, [new WeightedReward(rewardFunction)], data, options, rolloutEngine: engine);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"grpo: {data.Count} problems ({report.Skipped.Count} skipped), schedule {schedule}, reward {rewardFunction.Name}, device {runtime.Device.type.ToString().ToLowerInvariant()}, rollout {trainer.RolloutEngine.Name}"));
        var loss = options.Loss;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"algorithm {GrpoAlgorithmNames.NameOf(options.Algorithm)}: advantage {options.Advantages.Estimator} ({options.Advantages.Scaling}), objective {loss.Objective}, " +
            $"clip {loss.EpsilonLow}/{loss.EffectiveEpsilonHigh}, KL {loss.Kl} β {loss.Beta}{(loss.KlInReward ? " in the reward" : "")}, aggregation {loss.Aggregation}, " +
            $"dynamic sampling {(options.DynamicSampling ? "on" : "off")}, truncated completions {(options.MaskTruncatedCompletions ? "masked" : "kept")}"));
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

    // The algorithm's loss, with each loss option the user gave in its place (options not given keep the algorithm's values).
    private GrpoLossOptions LossOptions(ParseResult parse, GrpoLossOptions loss)
    {
        if (parse.GetValue(_epsilon) is { } low) loss = loss with { EpsilonLow = low };
        if (parse.GetValue(_epsilonHigh) is { } high) loss = loss with { EpsilonHigh = high };
        if (parse.GetValue(_beta) is { } beta) loss = loss with { Beta = beta };
        if (parse.GetValue(_dualClip) is { } dual) loss = loss with { DualClip = dual };
        return parse.GetValue(_aggregation) switch
        {
            "sequence" => loss with { Aggregation = LossAggregation.SequenceMean },
            "drgrpo" => loss with { Aggregation = LossAggregation.DrGrpo },
            "token" => loss with { Aggregation = LossAggregation.TokenMean },
            _ => loss,
        };
    }

    private static AdvantageScaling Scaling(string name) => name switch
    {
        "batch" => AdvantageScaling.BatchStd,
        "none" => AdvantageScaling.None,
        _ => AdvantageScaling.GroupStd,
    };
}
