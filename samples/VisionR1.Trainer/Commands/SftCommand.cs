using System.Globalization;
using VisionR1.Data.Readers;
using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Schedule;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.Runtime;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>`vr1 sft`: cold-start supervised fine-tuning on assistant tokens, resumable, with Vision-R1's defaults.</summary>
public sealed class SftCommand : ICliCommand, IHasSwitches
{
    /// <inheritdoc />
    public string Name => "sft";

    /// <inheritdoc />
    public string Summary => "Supervised fine-tuning (cold start) of a Qwen2.5-VL folder on chat JSONL; resumable.";

    /// <inheritdoc />
    public string Usage =>
        "vr1 sft --model DIR --data FILE --out DIR [--resume [latest-good]] [--device cpu|cuda[:N]] [--threads N]\n" +
        "        [--epochs 2] [--lr 5e-6] [--warmup-ratio 0.05] [--batch 1] [--accum 32] [--concurrent-micro-batches 1] [--max-steps N]\n" +
        "        [--save-every 100] [--keep 3] [--seed 42] [--dtype auto|fp32|bf16] [--train-vision] [--system-prompt] [--strict] [--compact-tokenizer]\n" +
        ScaleArgs.Usage + ResumeArg.Usage +
        "  --max-sample-tokens N: a conversation longer than N tokens (images included) is named and skipped before any tensor is\n" +
        "    built (default: the model's max_position_embeddings).\n" +
        "  DIR: a Hugging Face Qwen2.5-VL folder (config.json, *.safetensors, tokenizer files).\n" +
        "  FILE: JSONL, one conversation per line:\n" +
        "    {\"messages\": [{\"role\": \"user\", \"content\": \"...\"}, {\"role\": \"assistant\", \"content\": \"...\"}], \"images\": [\"img/1.png\"]}\n" +
        "    or ShareGPT (as `vr1 filter` writes): {\"conversations\": [{\"from\": \"human\", \"value\": \"<image>...\"}, {\"from\": \"gpt\", ...}], \"images\": [...]}\n" +
        "    images (relative to FILE) go before the first user turn's text; the loss covers assistant turns only.\n" +
        "    A bad line is named (file:line, why) and skipped; --strict stops at the first instead.\n" +
        "  --compact-tokenizer: for a model folder without tokenizer files, use the embedded compact tokenizer (vr1 init-model's).\n" +
        "  --concurrent-micro-batches N: a step's micro-batches run N at a time, one thread each, with the same gradients as in\n" +
        "    turn (they add up in micro-batch order); faster where one pass leaves cores idle (small models, several cores).\n" +
        "  Writes OUT/metrics.jsonl, OUT/events.jsonl, OUT/checkpoints/step-N (weights, optimizer, RNG, data cursor)\n" +
        "  and OUT/final (HF folder with tokenizer). --resume continues from the newest complete checkpoint.\n" +
        "  Defaults are the paper's cold-start SFT: 2 epochs, lr 5e-6, cosine, 5% warm-up, effective batch 32, vision frozen.";

    /// <inheritdoc />
    public IReadOnlyList<string> Switches => ["bf16", "train-vision", "system-prompt", "strict", "compact-tokenizer"];

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
        var options = new SftOptions
        {
            Epochs = args.GetInt("epochs", 2),
            LearningRate = args.GetDouble("lr", 5e-6),
            WarmupRatio = args.GetDouble("warmup-ratio", 0.05),
            LearningRateShape = LearningRateShape.Cosine,
            MicroBatchSize = args.GetInt("batch", 1),
            GradientAccumulationSteps = args.GetInt("accum", 32),
            Throughput = new ThroughputOptions { ConcurrentMicroBatches = args.GetInt("concurrent-micro-batches", 1) },
            SaveEverySteps = args.GetInt("save-every", 100),
            KeepLastCheckpoints = args.GetInt("keep", 3),
            Seed = args.GetInt("seed", 42),
            FreezeVisionTower = !args.Flag("train-vision"),
            OutputDirectory = outDir,
        };
        int maxSteps = args.GetInt("max-steps", 0);
        int maxSampleTokens = args.GetInt("max-sample-tokens", 0);
        bool systemPrompt = args.Flag("system-prompt");
        var precision = PrecisionOption.Read(args, "bf16");
        bool strict = args.Flag("strict");
        bool compactTokenizer = args.Flag("compact-tokenizer");
        var scale = ScaleArgs.Read(args);
        args.ThrowOnUnknown();
        using var outLock = VisionR1.IO.OutputFolderLock.Acquire(outDir, "vr1 sft");
        TrainingDataFiles.CheckRun(options.Validate, outDir, resume);

        var runtime = VisionR1Runtime.Initialize(device, threads, precision);
        var tokenizer = TrainingDataFiles.LoadTokenizer(modelDir, compactTokenizer, stderr);
        var template = new ChatTemplate(tokenizer, systemPrompt ? ChatTemplateOptions.Qwen : ChatTemplateOptions.NoSystemPrompt);
        var report = new ReadReport();
        var images = new ImageLoader();
        if (maxSampleTokens <= 0) maxSampleTokens = VisionR1.Model.Config.Qwen25VLConfig.Load(modelDir).Text.MaxPositionEmbeddings;
        var collator = new ChatSftCollator(template, images) { MaxSampleTokens = maxSampleTokens };
        var data = TrainingDataFiles.ReadConversations(dataPath, strict, report, collator, cancellationToken);
        TrainingDataFiles.ReportSkipped("sft", report, stderr);
        using var policy = TrainingDataFiles.LoadPolicy(modelDir, runtime.Device, runtime.Precision.IsBf16);
        scale.Apply(policy, options.Seed, stderr);
        using var trainer = new SftTrainer<IReadOnlyList<ChatTurn>>(policy, collator, data, options);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sft: {data.Count} conversations ({report.Skipped.Count} skipped), {trainer.TotalSteps} steps on {runtime.Device.type.ToString().ToLowerInvariant()}"));
        trainer.Metrics = new ConsoleProgressSink(stderr, null); // reports checkpoints that --resume latest-good moves aside
        long? from = resumeMode is { } mode ? trainer.TryResume(mode)?.Step : null;
        if (resume) stdout.WriteLine(from is { } s ? $"resuming after step {s}" : "nothing to resume; starting fresh");
        using var jsonl = new JsonlMetricsSink(outDir, keepUpToStep: from ?? 0);
        trainer.Metrics = new CompositeMetricsSink(jsonl, new ConsoleProgressSink(stdout, trainer.TotalSteps));
        var result = trainer.Train(maxSteps > 0 ? maxSteps : null, cancellationToken);
        return Task.FromResult(TrainingDataFiles.Finish("sft", result, policy, tokenizer, outDir, stdout, cancellationToken));
    }
}
