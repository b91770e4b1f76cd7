using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using VisionR1.Answers;
using VisionR1.Grpo.Loss;
using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rewards;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Schedule;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Generation;
using VisionR1.Runtime;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Diagnostics;

/// <summary>
/// The whole-step performance report behind <c>vr1 bench</c> and the benchmarks project's <c>report</c> mode:
/// the machine's own matmul peak and, in the same process, training-step MFU of the small preset (fp32 and
/// bf16), decoding speed, the KV cache's speed-up, a GRPO step's split, verifier throughput, peak memory and
/// live tensors. Peaks are probed before and after each dtype's training steps and the best is kept, so a
/// burst of load on a shared machine lowers both sides of the ratio rather than one.
/// </summary>
/// <param name="options">Sizes and runtime settings.</param>
/// <param name="log">Where progress lines go (null: nowhere); the report itself is returned.</param>
public sealed class PerformanceBench(BenchOptions options, TextWriter? log = null)
{
    private readonly BenchOptions _options = options ?? throw new ArgumentNullException(nameof(options));
    private readonly TextWriter _log = log ?? TextWriter.Null;

    /// <summary>The preset measured.</summary>
    public static Qwen25VLConfig Config => Qwen25VLPresets.Small;
    /// <summary>
    /// What `vr1 bench` prints: the whole report as one JSON object on <paramref name="output"/>, progress on <paramref name="log"/>;
    /// or, with <paramref name="contentionOnly"/>, one setting of the thread-wait comparison measured in this process
    /// (<see cref="ContentionBench"/> starts such processes as <c>bench --contention-only NAME</c> of the entry assembly).
    /// </summary>
    public static void WriteReport(BenchOptions options, string? contentionOnly, TextWriter output, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        if (contentionOnly is not null)
        {
            var runtime = VisionR1Runtime.Initialize(options.Device, options.Threads, options.Precision);
            var timing = ContentionBench.MeasureHere(contentionOnly, runtime.Precision.Dtype, runtime.Device, options.Seed, cancellationToken);
            output.WriteLine(System.Text.Json.JsonSerializer.Serialize(timing, BenchReport.JsonOptions));
            return;
        }
        output.WriteLine(new PerformanceBench(options, log).Run(cancellationToken).ToJson());
    }


    /// <summary>Runs every measurement and returns the report.</summary>
    public BenchReport Run(CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        double? load = ReadLoadAverage();
        var runtime = VisionR1Runtime.Initialize(_options.Device, _options.Threads, _options.Precision);
        Log($"precision: {runtime.Precision.DtypeName}: {runtime.Precision.Reason}");
        var device = runtime.Device;
        long liveAtStart = LiveTensors();
        manual_seed(_options.Seed);

        var images = Enumerable.Range(0, _options.TrainRows).Select(_ => (ImageSide, ImageSide)).ToList();
        double stepFlops = ModelFlops.TrainingStep(Config, _options.TrainRows, _options.TrainTokens, images);

        var (peak32, fp32) = MeasureTraining(ScalarType.Float32, device, stepFlops, liveAtStart, cancellationToken);
        // bf16 steps only where the run would use bf16: where auto rejects it (emulated or missing bf16 units, about
        // 1 GFLOP/s) its training steps would take minutes and tell nothing a user would run.
        var (peak16, bf16) = runtime.Precision.IsBf16 ? MeasureTraining(ScalarType.BFloat16, device, stepFlops, liveAtStart, cancellationToken) : default((double? Peak, TrainTiming? Steps));

        var (decodeRate, speedup, speedupOne) = Decoding(device, cancellationToken);
        Log($"[live {LiveTensors() - liveAtStart}] decode {decodeRate:F0} tokens/s; KV cache speed-up {speedup:F1}x at {_options.DecodeRows} rows, {speedupOne:F1}x at one row");
        var grpo = GrpoStep(device, cancellationToken);
        Log($"[live {LiveTensors() - liveAtStart}] grpo step {grpo.Seconds:F2}s: generation {grpo.Generation:P0}, log-prob passes {grpo.LogProb:P0}, update {grpo.Update:P0}, loss {grpo.Loss:P1}");
        double verifier = VerifierThroughput(cancellationToken);
        Log($"verifier {verifier:F0} pairs/s");
        IReadOnlyList<ContentionTiming> contention = _options.Quick
            ? []
            : ContentionBench.MeasureAll(runtime.Precision.DtypeName, _options.Device, _options.Threads, _options.Seed, _log, cancellationToken);
        bool? chosenWithin = contention.Count == 0 ? null : WithinOfBest(contention, 1.5);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        long liveAfter = LiveTensors() - liveAtStart;
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return new BenchReport
        {
            Quick = _options.Quick,
            Device = device.ToString(),
            Threads = get_num_threads(),
            ThreadWait = ThreadWaitPolicy.Describe(),
            KeepsFreedMemory = NativeAllocator.Applied,
            Allocator = NativeAllocator.Describe(),
            Precision = runtime.Precision.DtypeName,
            PrecisionReason = runtime.Precision.Reason,
            PrecisionProbeGflopsFp32 = runtime.Precision.Fp32Gflops,
            PrecisionProbeGflopsBf16 = runtime.Precision.Bf16Gflops,
            LoadAverage1m = load,
            MatmulPeakGflopsFp32 = peak32,
            MatmulPeakGflopsBf16 = peak16,
            TrainStepTokens = _options.TrainRows * _options.TrainTokens,
            TrainStepImages = images.Count,
            TrainStepGflop = stepFlops / 1e9,
            TrainStepSecondsFp32Small = fp32.Best,
            TrainStepSecondsFp32SmallMedian = fp32.Median,
            TrainStepMfuFp32Small = stepFlops / fp32.Best / (peak32 * 1e9),
            TrainStepSplitFp32Small = Split(fp32),
            TrainStepSecondsBf16Small = bf16?.Best,
            TrainStepSplitBf16Small = bf16 is { } t16 ? Split(t16) : null,
            TrainStepSecondsBf16SmallMedian = bf16?.Median,
            TrainStepMfuBf16Small = bf16 is { } s16 && peak16 is { } p16 ? stepFlops / s16.Best / (p16 * 1e9) : null,
            DecodeTokensPerSSmall = decodeRate,
            DecodeRows = _options.DecodeRows,
            KvCacheSpeedup256 = speedup,
            KvCacheSpeedup256OneRow = speedupOne,
            KvCacheNewTokens = _options.KvCacheTokens,
            GrpoStepSecondsSmall = grpo.Seconds,
            GrpoGenerationFraction = grpo.Generation,
            GrpoLogprobFraction = grpo.LogProb,
            GrpoUpdateFraction = grpo.Update,
            GrpoLossFraction = grpo.Loss,
            VerifierPairsPerS = verifier,
            PeakRssMb = self.PeakWorkingSet64 / (1024.0 * 1024.0),
            LiveTensorsAfter = liveAfter,
            LiveTensorsGrowth = fp32.Growth,
            Contention = contention,
            ChosenWithin15xOfBest = chosenWithin,
            ElapsedSeconds = clock.Elapsed.TotalSeconds,
        };
    }

    private static StepSplit Split(TrainTiming t) => new(t.ForwardShare, t.BackwardShare, t.UpdateShare);

    /// <summary>The matmul peak and the small model's training steps in <paramref name="dtype"/> (fp32 also checks live-tensor growth), logged.</summary>
    private (double Peak, TrainTiming Steps) MeasureTraining(ScalarType dtype, Device device, double stepFlops, long liveAtStart, CancellationToken cancellationToken)
    {
        bool fp32 = dtype == ScalarType.Float32;
        double peak = Peak(dtype, device);
        var steps = TrainSteps(dtype, device, checkGrowth: fp32, cancellationToken);
        peak = Math.Max(peak, Peak(dtype, device));
        if (fp32) Log($"[live {LiveTensors() - liveAtStart}] fp32: peak {peak:F1} GFLOP/s, step {steps.Best:F3}s (median {steps.Median:F3}s), {stepFlops / 1e9:F2} GFLOP/step, live-tensor growth {steps.Growth}; forward {steps.ForwardShare:P0}, backward {steps.BackwardShare:P0}, AdamW {steps.UpdateShare:P0}");
        else Log($"[live {LiveTensors() - liveAtStart}] bf16: peak {peak:F1} GFLOP/s, step {steps.Best:F3}s (median {steps.Median:F3}s); forward {steps.ForwardShare:P0}, backward {steps.BackwardShare:P0}, AdamW {steps.UpdateShare:P0}");
        return (peak, steps);
    }

    /// <summary>Best GFLOP/s over the configured square sizes (best of five products each).</summary>
    private double Peak(ScalarType dtype, Device device) =>
        _options.PeakSizes.Max(n => VisionR1Runtime.MeasureMatmulGflops(n, dtype, repeats: 5, device: device));

    /// <summary>One 112×112 image (8×8 patches, 16 merged tokens) per training row; 56×56 in the quick run.</summary>
    private int ImageSide => _options.Quick ? 4 : 8;

    /// <summary>
    /// Times forward + next-token cross-entropy + backward + AdamW on the small preset in <paramref name="dtype"/>.
    /// Returns the fastest and median step, the fastest step's split and, when asked, the live-tensor growth between n and 2n more steps.
    /// </summary>
    private TrainTiming TrainSteps(ScalarType dtype, Device device, bool checkGrowth, CancellationToken cancellationToken)
    {
        using var timer = new TrainStepTimer(Config, dtype, device, _options.TrainRows, _options.TrainTokens, ImageSide, _options.Seed);
        for (int i = 0; i < 2; i++) timer.Step(cancellationToken);
        var times = new List<(double Total, double Forward, double Backward, double Update)>();
        for (int i = 0; i < _options.TrainSteps; i++)
        {
            var (f, b, u) = timer.Step(cancellationToken);
            times.Add((f + b + u, f, b, u));
        }
        long growth = 0;
        if (checkGrowth)
        {
            long afterN = LiveTensors();
            for (int i = 0; i < _options.TrainSteps; i++) timer.Step(cancellationToken);
            growth = LiveTensors() - afterN;
        }
        times.Sort((x, y) => x.Total.CompareTo(y.Total));
        var best = times[0];
        return new TrainTiming(best.Total, times[times.Count / 2].Total, best.Forward / best.Total, best.Backward / best.Total, best.Update / best.Total, growth);
    }

    /// <summary>
    /// Greedy decoding speed with the KV cache at <see cref="BenchOptions.DecodeRows"/> rows, and the cache's speed-up
    /// over re-running the sequence for every new token, at those rows and at one row.
    /// </summary>
    private (double TokensPerSecond, double Speedup, double SpeedupOneRow) Decoding(Device device, CancellationToken cancellationToken)
    {
        using var model = new Qwen25VLModel(Config, device);
        model.InitializeWeights(_options.Seed);
        model.eval();
        var generator = new CompletionGenerator(model);
        var greedy = new GenerationOptions { MaxNewTokens = _options.DecodeTokens, Temperature = 0, StopTokenIds = [] };

        using var rows = RandomPrompts(_options.DecodeRows, device);
        generator.Generate(rows, greedy with { MaxNewTokens = 4 }, 1, cancellationToken);
        double best = double.MaxValue;
        for (int i = 0; i < 2; i++)
        {
            var sw = Stopwatch.StartNew();
            generator.Generate(rows, greedy, 1, cancellationToken);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        double rate = (double)_options.DecodeRows * _options.DecodeTokens / best;

        double speedup = CacheSpeedup(model, generator, rows, greedy, cancellationToken);
        using var one = RandomPrompts(1, device);
        double speedupOne = CacheSpeedup(model, generator, one, greedy, cancellationToken);
        return (rate, speedup, speedupOne);
    }

    /// <summary>
    /// <see cref="BenchOptions.KvCacheTokens"/> new tokens for <paramref name="prompts"/> without a cache over the time with it.
    /// The cached run is short, so one scheduler hiccup would swing it: best of three. The recompute run is long
    /// (it re-runs the growing sequence for every token) and averages itself.
    /// </summary>
    private double CacheSpeedup(QwenVLModel model, CompletionGenerator generator, MultimodalBatch prompts, GenerationOptions greedy,
        CancellationToken cancellationToken)
    {
        double cached = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            var sw = Stopwatch.StartNew();
            generator.Generate(prompts, greedy with { MaxNewTokens = _options.KvCacheTokens }, 1, cancellationToken);
            cached = Math.Min(cached, sw.Elapsed.TotalSeconds);
        }
        var clock = Stopwatch.StartNew();
        DecodeWithoutCache(model, prompts.InputIds, _options.KvCacheTokens, cancellationToken);
        double recompute = clock.Elapsed.TotalSeconds;
        Log($"{_options.KvCacheTokens} tokens for {prompts.BatchSize} row(s): cached {cached:F3}s, recomputed {recompute:F3}s");
        return recompute / cached;
    }

    /// <summary>Greedy decoding without a cache: every new token re-runs the whole sequence.</summary>
    public static void DecodeWithoutCache(QwenVLModel model, Tensor prompt, int newTokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompt);
        using var _ = no_grad();
        var ids = prompt.alias().DetachFromDisposeScope();
        try
        {
            for (int step = 0; step < newTokens; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                using var output = model.Forward(ids, ones_like(ids), null, null, null, LogitsMode.LastPosition);
                var next = cat([ids, output.Logits!.argmax(-1).unsqueeze(1)], 1).DetachFromDisposeScope();
                ids.Dispose();
                ids = next;
            }
        }
        finally
        {
            ids.Dispose();
        }
    }

    private MultimodalBatch RandomPrompts(int rows, Device device)
    {
        using var scope = NewDisposeScope();
        var ids = randint(7, Config.Text.VocabSize, [rows, _options.PromptTokens], device: device, generator: new Generator((ulong)_options.Seed));
        return new MultimodalBatch(ids.DetachFromDisposeScope(), ones_like(ids).DetachFromDisposeScope(), null, null);
    }

    /// <summary>GRPO steps on the small preset with the hard format-and-result reward; the loss is timed alone on the step's shape.</summary>
    private (double Seconds, double Generation, double LogProb, double Update, double Loss) GrpoStep(Device device, CancellationToken cancellationToken)
    {
        var tokenizer = CompactTokenizerTrainer.TrainDefault();
        var model = new Qwen25VLModel(Config, device);
        model.InitializeWeights(_options.Seed);
        using var policy = new QwenPolicy(model);
        var prompts = Enumerable.Range(0, 64)
            .Select(i => new GrpoPrompt($"p{i}", $"What is {i} plus {i}? Think step by step.", (2 * i).ToString(CultureInfo.InvariantCulture)))
            .ToList();
        var encoder = new ChatPromptEncoder(new ChatTemplate(tokenizer, ChatTemplateOptions.NoSystemPrompt));
        var sink = new InMemoryMetricsSink();
        int completions = _options.GrpoPrompts * _options.GrpoGroupSize;
        using var trainer = new GrpoTrainer(policy, encoder, tokenizer, [new WeightedReward(new HardFormatResultReward())], prompts,
            new GrpoOptions
            {
                Schedule = PtstSchedule.Single(_options.GrpoMaxTokens, _options.GrpoGroupSize, 1_000_000),
                PromptsPerStep = _options.GrpoPrompts,
                MicroBatchSize = Math.Min(8, completions),
                LearningRate = 1e-5,
                Seed = _options.Seed,
            },
            sink);
        trainer.TrainStep(cancellationToken);
        var steps = Enumerable.Range(0, _options.GrpoSteps).Select(_ => trainer.TrainStep(cancellationToken)).ToList();
        double seconds = steps.Average(m => m.StepSeconds);
        double loss = LossSeconds(completions, _options.GrpoMaxTokens, device);
        return (seconds,
            steps.Sum(m => m.GenerationSeconds) / steps.Sum(m => m.StepSeconds),
            steps.Sum(m => m.LogProbSeconds) / steps.Sum(m => m.StepSeconds),
            steps.Sum(m => m.TrainingSeconds) / steps.Sum(m => m.StepSeconds),
            Math.Min(1.0, loss / seconds));
    }

    /// <summary>Fastest of five GRPO-loss forward + backward passes (β &gt; 0, token mean) on (rows × length) log-probs.</summary>
    private static double LossSeconds(int rows, int length, Device device)
    {
        using var scope = NewDisposeScope();
        var leaf = randn([rows, length], device: device).requires_grad_(true);
        // Kept-alive scalars throughout (see Scalars): TorchSharp's temporary ones can be freed mid-call.
        var old = Scalars.Sub(Scalars.Mul(randn([rows, length], device: device), 0.05), 1);
        var reference = Scalars.Sub(Scalars.Mul(randn([rows, length], device: device), 0.05), 1);
        var advantages = randn([rows], device: device);
        var mask = Scalars.Less(rand([rows, length], device: device), 0.8).to_type(ScalarType.Float32);
        double best = double.MaxValue;
        for (int i = 0; i < 6; i++)
        {
            using var step = NewDisposeScope();
            var sw = Stopwatch.StartNew();
            var logp = Scalars.Sub(Scalars.Mul(leaf, 0.05), 1);
            var result = GrpoLoss.Compute(new GrpoLossInputs(logp, old, reference, advantages, mask), new GrpoLossOptions(Beta: 0.01));
            result.Loss.backward();
            _ = result.Stats.Kl;
            if (i > 0) best = Math.Min(best, sw.Elapsed.TotalSeconds);
            leaf.grad?.zero_();
        }
        return best;
    }

    /// <summary>Pairs of the realistic mix verified per second on this (one) thread.</summary>
    private double VerifierThroughput(CancellationToken cancellationToken)
    {
        var verifier = new MathVerifier();
        var mix = VerifierMix.Build(_options.VerifierPairs, seed: (int)_options.Seed);
        foreach (var (g, p, c) in mix.Take(Math.Min(2_000, mix.Length))) verifier.Verify(g, p, c);
        cancellationToken.ThrowIfCancellationRequested();
        var sw = Stopwatch.StartNew();
        int equal = 0;
        foreach (var (g, p, c) in mix)
            if (verifier.Verify(g, p, c).Equal) equal++;
        double seconds = sw.Elapsed.TotalSeconds;
        GC.KeepAlive(equal);
        return mix.Length / seconds;
    }

    /// <summary>Whether the first ("chosen") setting is within <paramref name="factor"/> of the best setting alone and with the competitors.</summary>
    internal static bool WithinOfBest(IReadOnlyList<ContentionTiming> timings, double factor) =>
        timings[0].AloneSeconds <= factor * timings.Min(t => t.AloneSeconds) &&
        timings[0].WithCompetitorSeconds <= factor * timings.Min(t => t.WithCompetitorSeconds);

    private static long LiveTensors() => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    private static double? ReadLoadAverage()
    {
        try
        {
            if (!File.Exists("/proc/loadavg")) return null;
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private readonly Stopwatch _since = Stopwatch.StartNew();

    private void Log(FormattableString line) => _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_since.Elapsed.TotalSeconds:F1}s] ") + line.ToString(CultureInfo.InvariantCulture));

    private sealed record TrainTiming(double Best, double Median, double ForwardShare, double BackwardShare, double UpdateShare, long Growth);
}
