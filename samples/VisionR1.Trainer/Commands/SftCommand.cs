using System.CommandLine;
using System.Globalization;
using VisionR1.Data.Readers;
using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Schedule;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Runtime;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>`vr1 sft`: cold-start supervised fine-tuning on assistant tokens, resumable, with Vision-R1's defaults.</summary>
public sealed class SftCommand : ICliCommand
{
    private readonly Option<string> _model = Opt.Required("--model", "A Hugging Face Qwen2.5-VL or Qwen3-VL folder (config.json, *.safetensors, tokenizer files).", "DIR");
    private readonly Option<string> _data = Opt.Required("--data", "Chat JSONL, one conversation per line (see below).", "FILE");
    private readonly Option<string> _out = Opt.Required("--out", "The run folder: metrics.jsonl, events.jsonl, checkpoints/step-N, final/.", "DIR");
    private readonly Option<string> _device = CommonOptions.Device();
    private readonly Option<int> _threads = CommonOptions.Threads();
    private readonly Option<int> _epochs = Opt.Int("--epochs", 2, "Passes over the data (the paper's cold-start SFT: 2).", "N");
    private readonly Option<double> _lr = Opt.Number("--lr", 5e-6, "Peak learning rate (the paper: 5e-6), cosine after the warm-up.", "X");
    private readonly Option<double> _warmupRatio = Opt.Number("--warmup-ratio", 0.05, "Share of the steps spent warming up (the paper: 5%).", "X");
    private readonly Option<int> _batch = Opt.Int("--batch", 1, "Conversations per micro-batch.", "N");
    private readonly Option<int> _accum = Opt.Int("--accum", 32, "Micro-batches per optimizer step (effective batch = batch x accum; the paper: 32).", "N");
    private readonly Option<int> _concurrentMicroBatches = Opt.Int("--concurrent-micro-batches", 1, "A step's micro-batches run N at a time, one thread each, with the same gradients as in turn (they add up in micro-batch order); faster where one pass leaves cores idle.", "N");
    private readonly Option<int> _saveEvery = Opt.Int("--save-every", 100, "Steps between checkpoints.", "N");
    private readonly Option<int> _keep = Opt.Int("--keep", 3, "Checkpoints kept (older ones are deleted).", "N");
    private readonly Option<int> _seed = Opt.Int("--seed", 42, "Seed of the data order, dropout and the adapter.", "N");
    private readonly Option<bool> _trainVision = CommonOptions.TrainVision();
    private readonly Option<int> _maxSteps = Opt.Int("--max-steps", 0, "Stop after N steps (0: run the whole schedule).", "N");
    private readonly Option<int> _maxSampleTokens = Opt.Int("--max-sample-tokens", 0, "A conversation longer than N tokens (images included) is named and skipped before any tensor is built (0: the model's max_position_embeddings).", "N");
    private readonly Option<bool> _systemPrompt = Opt.Switch("--system-prompt", "Add the Qwen system prompt to each conversation.");
    private readonly Option<bool> _strict = CommonOptions.Strict();
    private readonly Option<bool> _compactTokenizer = CommonOptions.CompactTokenizer();
    private readonly ResumeArg _resume = new();
    private readonly PrecisionOption _precision = new("bf16");
    private readonly ScaleArgs.Group _scale = new();

    /// <inheritdoc />
    public string Name => "sft";

    /// <inheritdoc />
    public string Summary => "Supervised fine-tuning (cold start) of a Qwen2.5-VL or Qwen3-VL folder on chat JSONL; resumable.";

    /// <inheritdoc />
    public string Details =>
        "FILE is JSONL, one conversation per line:\n" +
        "  {\"messages\": [{\"role\": \"user\", \"content\": \"...\"}, {\"role\": \"assistant\", \"content\": \"...\"}], \"images\": [\"img/1.png\"]}\n" +
        "or ShareGPT (as `vr1 filter` writes): {\"conversations\": [{\"from\": \"human\", \"value\": \"<image>...\"}, {\"from\": \"gpt\", ...}], \"images\": [...]}\n" +
        "Images (relative to FILE) go where their <image> tokens stand, or before the first user turn's text when a line has none (a " +
        "count of tokens that differs from the images is a bad line); the loss covers assistant turns only. A bad line is named " +
        "(file:line, why) and skipped; --strict stops at the first instead.\n" +
        "Writes OUT/metrics.jsonl, OUT/events.jsonl, OUT/checkpoints/step-N (weights, optimizer, RNG, data cursor) and OUT/final " +
        "(HF folder with tokenizer). Defaults are the paper's cold-start SFT: 2 epochs, lr 5e-6, cosine, 5% warm-up, effective batch 32, vision frozen.";

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
        var options = new SftOptions
        {
            Epochs = parse.GetValue(_epochs),
            LearningRate = parse.GetValue(_lr),
            WarmupRatio = parse.GetValue(_warmupRatio),
            LearningRateShape = LearningRateShape.Cosine,
            MicroBatchSize = parse.GetValue(_batch),
            GradientAccumulationSteps = parse.GetValue(_accum),
            Throughput = new ThroughputOptions { ConcurrentMicroBatches = parse.GetValue(_concurrentMicroBatches) },
            SaveEverySteps = parse.GetValue(_saveEvery),
            KeepLastCheckpoints = parse.GetValue(_keep),
            Seed = parse.GetValue(_seed),
            FreezeVisionTower = !parse.GetValue(_trainVision),
            OutputDirectory = outDir,
        };
        int maxSteps = parse.GetValue(_maxSteps);
        int maxSampleTokens = parse.GetValue(_maxSampleTokens);
        bool systemPrompt = parse.GetValue(_systemPrompt);
        var precision = _precision.Read(parse);
        bool strict = parse.GetValue(_strict);
        bool compactTokenizer = parse.GetValue(_compactTokenizer);
        var scale = _scale.Read(parse);
        using var outLock = VisionR1.IO.OutputFolderLock.Acquire(outDir, "vr1 sft");
        TrainingDataFiles.CheckRun(options.Validate, outDir, resume);

        var runtime = VisionR1Runtime.Initialize(device, threads, precision);
        var tokenizer = TrainingDataFiles.LoadTokenizer(modelDir, compactTokenizer, stderr);
        var template = new ChatTemplate(tokenizer, systemPrompt ? ChatTemplateOptions.Qwen : ChatTemplateOptions.NoSystemPrompt);
        var report = new ReadReport();
        var images = new ImageLoader(QwenVLFamilies.ImageProcessorOf(modelDir));
        if (maxSampleTokens <= 0) maxSampleTokens = TrainingDataFiles.ReadModelConfig(modelDir).MaxPositionEmbeddings;
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
