using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using VisionR1.Grpo.Planning;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Lora;
using VisionR1.Model.Qwen3VL;
using VisionR1.Runtime;
using VisionR1.Trainer.Cli;
using static TorchSharp.torch;

namespace VisionR1.Trainer.Commands;

/// <summary>`vr1 plan`: the predicted memory of a training run, and on request the measured peak of its training step on the CPU.</summary>
public sealed class PlanCommand : ICliCommand
{
    private readonly Option<string> _dtype = Opt.Text("--dtype", "bf16", "The target's precision (plan does not measure this machine).", "bf16|fp32");
    private readonly Option<int?> _genBatch = Opt.OptionalInt("--gen-batch", "Sequences generated together [default: all of a step].", "N");
    private readonly Option<bool> _trainVision = CommonOptions.TrainVision();
    private readonly Option<int> _microBatch = Opt.Int("--micro-batch", 1, "Sequences per forward/backward micro-batch.", "N");
    private readonly Option<int> _prompts = Opt.Int("--prompts", 1, "Prompts per step.", "N");
    private readonly Option<int> _group = Opt.Int("--group", 8, "Completions per prompt (GRPO group size).", "N");
    private readonly Option<int> _promptLen = Opt.Int("--prompt-len", 512, "Prompt tokens (text and image pads).", "N");
    private readonly Option<int> _completionLen = Opt.Int("--completion-len", 4096, "Completion tokens.", "N");
    private readonly Option<int> _imagePatches = Opt.Int("--image-patches", 0, "Vision patches per prompt.", "N");
    private readonly Option<double> _beta = Opt.Number("--beta", 0.04, "KL weight; above 0 a reference model is held.", "X");
    private readonly Option<double> _deviceGb = Opt.Number("--device-gb", 80, "The device's memory in GiB, to compare the peak with.", "X");
    private readonly Option<bool> _json = Opt.Switch("--json", "Print the plan as one JSON object.");
    private readonly Option<bool> _measure = Opt.Switch("--measure", "Build the model on the CPU with random weights, run two training steps of one micro-batch of text (reference pass, forward, backward, AdamW) and report the second step's peak resident memory above the process before the model, next to the prediction.");
    private readonly Option<int> _threads = Opt.Int("--threads", 0, "Intra-op threads of --measure (0: libtorch's default).", "N");
    private readonly Option<string?> _model = Opt.Text("--model", "A Hugging Face Qwen2.5-VL or Qwen3-VL folder whose config.json is planned (the family from its model_type; one of --model, --config, --preset).", "DIR");
    private readonly Option<string?> _config = Opt.Text("--config", "A Qwen2.5-VL or Qwen3-VL config.json to plan.", "FILE");
    private readonly Option<string?> _preset = Opt.Text("--preset", "A built-in size to plan: Qwen2.5-VL tiny, small, medium, 3b, 7b; Qwen3-VL qwen3-vl-tiny, qwen3-vl-small, qwen3-vl-2b, qwen3-vl-4b, qwen3-vl-8b, qwen3-vl-32b.", "NAME");
    private readonly ScaleArgs.Group _scale = new();

    /// <inheritdoc />
    public string Name => "plan";

    /// <inheritdoc />
    public string Summary => "Predict a run's memory (weights, master weights, optimizer, reference, activations, KV cache); --measure checks it on the CPU.";

    /// <inheritdoc />
    public Task<int> RunAsync(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var config = ReadConfig(parse);
        var dtypeName = parse.GetValue(_dtype)!;
        var dtype = dtypeName switch
        {
            "bf16" => ScalarType.BFloat16,
            "f32" or "fp32" => ScalarType.Float32,
            _ => throw new CliUsageException($"--dtype must be bf16 or fp32 (the target's precision; plan does not measure this machine), got '{dtypeName}'."),
        };
        var scale = _scale.Read(parse);
        int? genBatch = parse.GetValue(_genBatch);
        var options = new MemoryPlanOptions
        {
            Config = config,
            DType = dtype,
            Lora = scale.Lora,
            FreezeVisionTower = !parse.GetValue(_trainVision),
            MicroBatchSize = parse.GetValue(_microBatch),
            PromptsPerStep = parse.GetValue(_prompts),
            GroupSize = parse.GetValue(_group),
            GenerationBatchSize = genBatch,
            PromptLength = parse.GetValue(_promptLen),
            CompletionLength = parse.GetValue(_completionLen),
            ImagePatchesPerPrompt = parse.GetValue(_imagePatches),
            Checkpointing = scale.Checkpointing,
            KlReference = parse.GetValue(_beta) > 0,
        };
        double deviceGb = parse.GetValue(_deviceGb);
        bool json = parse.GetValue(_json);
        bool measure = parse.GetValue(_measure);
        int threads = parse.GetValue(_threads);
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message);
        }

        VisionR1Runtime.Initialize("cpu", threads);
        var estimate = MemoryPlan.Estimate(options);
        StepMeasurement? measured = measure ? Measure(options, cancellationToken) : null;
        long deviceBytes = (long)(deviceGb * (1L << 30));
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new
            {
                parameters = estimate.Parameters,
                trainable_parameters = estimate.TrainableParameters,
                weights = estimate.Weights,
                master_weights = estimate.MasterWeights,
                optimizer = estimate.Optimizer,
                reference = estimate.Reference,
                gradients = estimate.Gradients,
                activations = estimate.Activations,
                kv_cache = estimate.KvCache,
                peak_training = estimate.PeakTraining,
                peak_generation = estimate.PeakGeneration,
                peak = estimate.Peak,
                fits = estimate.Fits(deviceBytes),
                measured_peak_training = measured?.PeakBytes,
                measured_step_seconds = measured?.StepSeconds,
                measured_step_cpu_seconds = measured?.CpuSeconds,
            }));
        }
        else
        {
            stdout.Write(estimate.ToTable(deviceBytes));
            if (measured is { } m)
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"measured training peak {m.PeakBytes / (double)(1 << 20):F1} MiB vs predicted {estimate.PeakTraining / (double)(1 << 20):F1} MiB ({100.0 * (estimate.PeakTraining - m.PeakBytes) / m.PeakBytes:+0.0;-0.0}%); step {m.StepSeconds:F2} s ({m.CpuSeconds:F2} s of CPU)"));
        }
        return Task.FromResult(0);
    }

    private PlannedModel ReadConfig(ParseResult parse)
    {
        var model = parse.GetValue(_model);
        var configFile = parse.GetValue(_config);
        var preset = parse.GetValue(_preset);
        if ((model is null ? 0 : 1) + (configFile is null ? 0 : 1) + (preset is null ? 0 : 1) != 1)
            throw new CliUsageException("Give exactly one of --model DIR, --config FILE or --preset NAME.");
        try
        {
            if (preset is null) return PlannedModel.Load((model ?? configFile)!);
            return Qwen3VLPresets.IsCommandLineName(preset) ? PlannedModel.From(Qwen3VLPresets.ByName(preset)) : PlannedModel.From(Qwen25VLPresets.ByName(preset));
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message);
        }
    }

    private sealed record StepMeasurement(long PeakBytes, double StepSeconds, double CpuSeconds);

    /// <summary>Two steps of one micro-batch; the second's peak resident size above the process before the model.</summary>
    private static StepMeasurement Measure(MemoryPlanOptions options, CancellationToken cancellationToken)
    {
        if (!ResidentMemory.Supported || !ResidentMemory.MapLargeBlocks())
            throw new CliUsageException("--measure needs Linux with glibc (resident memory from /proc, large blocks mapped).");
        Warmup();
        GC.Collect();
        long baseline = ResidentMemory.CurrentBytes;

        var model = options.Config.Build(CPU, options.DType);
        model.InitializeWeights(1);
        model.GradientCheckpointing = options.Checkpointing;
        using var policy = new QwenPolicy(model);
        if (options.Lora is { } lora) policy.AttachLora(lora, 1);
        var trainable = policy.TrainableParameters(options.FreezeVisionTower);
        var keep = new HashSet<TorchSharp.Modules.Parameter>(trainable, ReferenceEqualityComparer.Instance);
        foreach (var p in model.parameters()) p.requires_grad = keep.Contains(p);
        foreach (var p in trainable) p.requires_grad = true;
        using var optimizer = new AdamWOptimizer(trainable, 1e-5);
        using var reference = options.KlReference ? policy.CreateReference() : null;

        int length = options.PromptLength + options.CompletionLength;
        var generator = new Generator(2);
        using var ids = randint(7, model.VocabSize, [options.MicroBatchSize, length], generator: generator);
        using var mask = ones_like(ids);
        var batch = new MultimodalBatch(ids, mask, null, null);
        double Step()
        {
            cancellationToken.ThrowIfCancellationRequested();
            var watch = Stopwatch.StartNew();
            using var scope = NewDisposeScope();
            optimizer.ZeroGrad();
            Tensor? refLogProbs = null;
            if (reference is not null)
                using (no_grad())
                    refLogProbs = reference.LogProbsOfLastTokens(batch, options.CompletionLength).LogProbs;
            model.train();
            var logProbs = policy.LogProbsOfLastTokens(batch, options.CompletionLength).LogProbs;
            var loss = refLogProbs is null ? logProbs.mean().neg() : (logProbs - refLogProbs).mean().neg();
            loss.backward();
            optimizer.Step();
            return watch.Elapsed.TotalSeconds;
        }
        Step();
        ResidentMemory.ResetPeak();
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        double seconds = Step();
        double cpuSeconds = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        return new StepMeasurement(ResidentMemory.PeakBytes - baseline, seconds, cpuSeconds);
    }

    /// <summary>Loads the kernels, thread pools and allocator state a step uses, so the baseline already holds them.</summary>
    private static void Warmup()
    {
        using var scope = NewDisposeScope();
        var a = randn([64, 64], requires_grad: true);
        var y = nn.functional.scaled_dot_product_attention(a.view(1, 1, 64, 64), a.view(1, 1, 64, 64), a.view(1, 1, 64, 64), is_casual: true);
        (y.sum() + a.matmul(a).logsumexp(-1).sum()).backward();
    }
}
