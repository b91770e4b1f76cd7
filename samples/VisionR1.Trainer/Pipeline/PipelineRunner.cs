using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using VisionR1.Answers;
using VisionR1.Data.Benchmarks;
using VisionR1.Data.ColdStart;
using VisionR1.Data.Filtering;
using VisionR1.Data.Readers;
using VisionR1.Recipe;
using VisionR1.Data.Synthetic;
using VisionR1.Grpo.Evaluation;
using VisionR1.Grpo.Loss;
using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Rewards;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.IO;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Problems;
using VisionR1.Runtime;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Trainer.Pipeline;

/// <summary>
/// The whole Vision-R1 recipe as resumable stages (<see cref="StageRunner"/>), wiring the packages' stage calls
/// (<see cref="DataStages"/>, <see cref="TrainingStages"/>, <see cref="LocalEvaluator"/>) and adding the synthetic world:
/// world → tokenizer → base pre-training from scratch → modality-bridging cold start → CoT filter → cold-start SFT (CI) →
/// GRPO with PTST and the hard format result reward (Vision-R1), optional Zero/Long variants → evaluation of every model
/// on the held-out split → metrics.jsonl, summary.json and plots. A stage that finished is never redone; training stages
/// also resume from their own checkpoints. The real path starts from a given model and data files instead of the world.
/// </summary>
public sealed class PipelineRunner
{
    private readonly PipelineOptions _o;
    private readonly IRecipeProgress _progress;
    private readonly Device _device;
    private readonly ScalarType _dtype;
    private readonly MathVerifier _verifier = new();
    private readonly ImageLoader _images = new(new ImageProcessor(), cacheBytes: 256L << 20);

    /// <summary>Prepares a run (nothing is done until <see cref="RunAsync"/>).</summary>
    public PipelineRunner(PipelineOptions options, IRecipeProgress progress)
    {
        _o = options ?? throw new ArgumentNullException(nameof(options));
        _progress = progress ?? throw new ArgumentNullException(nameof(progress));
        Stages = new StageRunner(options.OutputDirectory);
        _device = VisionR1Runtime.ParseDevice(options.Device);
        _dtype = options.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
    }

    /// <summary>The stage runner (its <see cref="StageRunner.Resumed"/> lists the stages skipped as done).</summary>
    public StageRunner Stages { get; }

    /// <summary>Runs (or resumes) every stage and returns the summary.</summary>
    public async Task<PipelineSummary> RunAsync(CancellationToken cancellationToken)
    {
        var root = Stages.Root;
        List<MathProblem> train, test;
        ITextTokenizer tokenizer;
        if (_o.IsRealPath)
        {
            train = await ProblemSource.ReadAllAsync(_o.TrainFile ?? throw new ArgumentException("The real path needs a training file (--train)."), cancellationToken: cancellationToken);
            test = await ProblemSource.ReadAllAsync(_o.EvalFile ?? throw new ArgumentException("The real path needs an evaluation file (--eval)."), cancellationToken: cancellationToken);
            tokenizer = TokenizerLoader.FromFolder(_o.ModelDirectory!);
        }
        else
        {
            await Stages.RunAsync(RecipeStages.World, (_, ct) => DataStages.SyntheticWorldAsync(Run(RecipeStages.World),
                new SyntheticWorldOptions { Seed = _o.Seed, ImageSize = _o.ImageSize, Difficulty = _o.Difficulty }, _o.TrainItems, _o.TestItems, _o.TestMultiStepShare, ct), cancellationToken);
            var worldDir = Stages.StageDirectory(RecipeStages.World);
            train = await ProblemSource.ReadAllAsync(Path.Combine(worldDir, DataStages.WorldTrainFile), cancellationToken: cancellationToken);
            test = await ProblemSource.ReadAllAsync(Path.Combine(worldDir, DataStages.WorldTestFile), cancellationToken: cancellationToken);
            await Stages.RunAsync(RecipeStages.Tokenizer, async (_, ct) => DataStages.CompactTokenizer(Run(RecipeStages.Tokenizer),
                await _o.PretrainingMix().TokenizerCorpusAsync(train, new SyntheticTeacherOptions { Seed = _o.Seed }, ct), Qwen25VLPresets.ByName(_o.Preset).Text.VocabSize, ct), cancellationToken);
            tokenizer = TokenizerLoader.FromFolder(Stages.StageDirectory(RecipeStages.Tokenizer));
        }
        var template = new ChatTemplate(tokenizer, ChatTemplateOptions.NoSystemPrompt);
        var coldProblems = train.Take(Math.Min(_o.ColdStartItems, train.Count)).ToList();
        var rlProblems = RlPool(train, coldProblems.Count, _o.IsRealPath ? 1 : _o.GrpoMinSteps, _o.GrpoPromptsPerStep);

        string baseModel;
        if (_o.IsRealPath) baseModel = _o.ModelDirectory!;
        else
        {
            var result = await Stages.RunAsync(RecipeStages.Base, (dir, ct) => Task.FromResult(TrainBase(dir, template, train, ct)), cancellationToken);
            baseModel = result.ModelDirectory;
        }

        var models = new List<(string Name, string Dir, bool Direct)> { (RecipeStages.Base, baseModel, !_o.IsRealPath) };
        // The base stands in for an instruct model that can also reason briefly: it is evaluated in both prompt styles.
        if (!_o.IsRealPath && _o.BaseWorkedShare > 0) models.Add((RecipeStages.BaseCot, baseModel, false));
        if (_o.Until != RecipeStages.Base)
        {
            var coldDir = Stages.StageDirectory(RecipeStages.ColdStart);
            await Stages.RunAsync(RecipeStages.ColdStart, (dir, ct) => BuildColdStart(Run(RecipeStages.ColdStart), coldProblems, ct), cancellationToken);
            await Stages.RunAsync(RecipeStages.Filter, (dir, ct) => DataStages.FilterAsync(Run(RecipeStages.Filter), new CotFilter(_verifier), coldDir, ct), cancellationToken);
            var ci = await Stages.RunAsync(RecipeStages.Ci, async (dir, ct) =>
            {
                var samples = await FilteredSamples.ReadAsync(Path.Combine(coldDir, DataStages.FilteredFile), train, ct);
                return TrainingStages.Sft(Run(RecipeStages.Ci), LoadOrCreate(baseModel), template, samples, ColdStartSftOptions(), "cold-start SFT from base", _images, ct);
            }, cancellationToken);
            models.Add((RecipeStages.Ci, ci.ModelDirectory, false));
            if (_o.Until != RecipeStages.Ci)
            {
                var runs = new[]
                {
                    (Stage: RecipeStages.VisionR1, From: ci.ModelDirectory, Schedule: _o.PtstSchedule(), Soft: false),
                    (Stage: RecipeStages.Zero, From: baseModel, Schedule: _o.ZeroSchedule(), Soft: true),
                    (Stage: RecipeStages.Long, From: ci.ModelDirectory, Schedule: _o.LongSchedule(), Soft: false),
                };
                foreach (var r in runs.Where(r => r.Stage == RecipeStages.VisionR1 || _o.Variants.Contains(r.Stage)))
                {
                    var result = await Stages.RunAsync(r.Stage, (dir, ct) => Task.FromResult(TrainGrpo(r.Stage, r.From, template, rlProblems, r.Schedule, r.Soft, ct)), cancellationToken);
                    models.Add((r.Stage, result.ModelDirectory, false));
                }
            }
        }

        var evaluations = new Dictionary<string, LocalEvaluation>(StringComparer.Ordinal);
        var probes = new Dictionary<string, LocalEvaluation>(StringComparer.Ordinal);
        var probe = _o.IsRealPath ? [] : ArithmeticDrills.Probe(_o.ProbeItems, _o.Seed + 5, SyntheticPretraining.MaxValueOf(_o.Difficulty));
        foreach (var (name, dir, direct) in models)
        {
            evaluations[name] = await Stages.RunAsync(RecipeStages.Eval(name),
                (_, ct) => Task.FromResult(Evaluate(RecipeStages.Eval(name), name, test, dir, template, direct, ct)), cancellationToken);
            if (probe.Count > 0)
                probes[name] = await Stages.RunAsync(RecipeStages.Probe(name),
                    (_, ct) => Task.FromResult(Evaluate(RecipeStages.Probe(name), RecipeStages.Probe(name), probe, dir, template, direct, ct)), cancellationToken);
        }
        string Predictions(string model) => Path.Combine(Stages.StageDirectory(RecipeStages.Eval(model)), TrainingStages.PredictionsFile);
        var verdicts = models.Select(m => (m.Name, Verdicts: (IReadOnlyDictionary<string, bool>)VerdictBreakdown.ReadVerdicts(Predictions(m.Name)))).ToList();

        MetricsFile.Merge(models.Select(m => (m.Name, Path.Combine(Stages.StageDirectory(m.Name), JsonlMetricsSink.MetricsFileName))), Path.Combine(root, JsonlMetricsSink.MetricsFileName));
        var stageSeconds = Stages.ElapsedByStage();
        var summary = new PipelineSummary(evaluations, test.Count, stageSeconds.Values.Sum(), stageSeconds, _o.IsQuick, _o.Seed)
        {
            Probe = probes,
            Equations = models.ToDictionary(m => m.Name, m => EquationAudit.OfPredictions(Predictions(m.Name))),
            Paired = PairedComparison.AllPairs(verdicts),
            Breakdown = verdicts.ToDictionary(v => v.Name, v => VerdictBreakdown.ByMetadata(test, v.Verdicts, SyntheticMetadataKeys.Family, SyntheticMetadataKeys.Steps)),
        };
        AtomicFile.WriteAllText(Path.Combine(root, "summary.json"), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        Reporting.MetricsPlots.DrawStandard(Path.Combine(root, JsonlMetricsSink.MetricsFileName), Path.Combine(root, "plots"), "pipeline");
        return summary;
    }

    private TrainingResult TrainBase(string dir, ChatTemplate template, IReadOnlyList<MathProblem> train, CancellationToken ct)
    {
        var samples = _o.PretrainingMix().Samples(train);
        var options = new SftOptions
        {
            Epochs = _o.BaseEpochs,
            LearningRate = _o.BaseLearningRate,
            WarmupRatio = 0.05,
            MicroBatchSize = _o.BaseBatch,
            GradientAccumulationSteps = 1,
            MaxMicroBatchTokens = _o.MicroBatchTokens,
            ConcurrentMicroBatches = _o.MicroBatchesSideBySide(),
            BalancedMicroBatches = _o.BalancedMicroBatches,
            FreezeVisionTower = false, // from scratch: the vision tower must learn to see
            Adam = new AdamWOptions(WeightDecay: 0.01),
            Seed = _o.Seed,
            SaveEverySteps = _o.SaveEverySteps,
            KeepLastCheckpoints = 1,
        };
        return TrainingStages.Sft(Run(RecipeStages.Base), LoadOrCreate(null), template, samples, options, $"pre-training a '{_o.Preset}' model from scratch: captions, direct answers, {_o.BaseWorkedShare:P0} worked solutions, {_o.BaseArithmeticDrills} arithmetic texts", _images, ct);
    }


    private SftOptions ColdStartSftOptions() => new()
    {
        Epochs = _o.CiEpochs,
        LearningRate = _o.CiLearningRate,
        WarmupRatio = 0.05,
        MicroBatchSize = _o.CiBatch,
        GradientAccumulationSteps = 1,
        MaxMicroBatchTokens = _o.MicroBatchTokens,
        ConcurrentMicroBatches = _o.MicroBatchesSideBySide(),
        BalancedMicroBatches = _o.BalancedMicroBatches,
        FreezeVisionTower = true, // as the paper's cold-start SFT
        Seed = _o.Seed + 1,
        SaveEverySteps = _o.SaveEverySteps,
        KeepLastCheckpoints = 1,
    };

    /// <summary>
    /// The GRPO prompt pool: the training problems after the <paramref name="coldCount"/> used for the cold start (all of them if
    /// none are left), keeping only those with at least <paramref name="minSteps"/> reasoning steps (synthetic metadata "steps")
    /// when that leaves at least <paramref name="promptsPerStep"/>; otherwise the whole pool.
    /// </summary>
    internal static IReadOnlyList<MathProblem> RlPool(IReadOnlyList<MathProblem> train, int coldCount, int minSteps, int promptsPerStep)
    {
        IReadOnlyList<MathProblem> pool = train.Count > coldCount ? train.Skip(coldCount).ToList() : train;
        if (minSteps <= 1) return pool;
        var multi = pool.Where(p => int.TryParse(p.Metadata?.GetValueOrDefault(SyntheticMetadataKeys.Steps), out var n) && n >= minSteps).ToList();
        return multi.Count >= promptsPerStep ? multi : pool;
    }

    /// <summary>The GRPO trainer's options for an RL run of the pipeline with <paramref name="schedule"/>.</summary>
    internal static GrpoOptions GrpoTrainingOptions(PipelineOptions o, Grpo.Schedule.PtstSchedule schedule) => new()
    {
        Schedule = schedule,
        PromptsPerStep = o.GrpoPromptsPerStep,
        MicroBatchSize = o.GrpoMicroBatch,
        ConcurrentGenerations = o.ConcurrentGenerations,
        ConcurrentMicroBatches = o.MicroBatchesSideBySide(),
        BalancedMicroBatches = o.BalancedMicroBatches,
        LearningRate = o.GrpoLearningRate,
        Temperature = o.GrpoTemperature,
        DynamicSampling = o.GrpoDynamicSampling,
        MaxRefillRounds = o.GrpoMaxRefillRounds,
        RefillByKeepRate = o.GrpoRefillByKeepRate,
        OversampleByKeepRate = o.GrpoOversampleByKeepRate,
        Loss = new GrpoLossOptions(Beta: o.GrpoBeta),
        FreezeVisionTower = true,
        Seed = o.Seed + 2,
        SaveEverySteps = o.SaveEverySteps,
        KeepLastCheckpoints = 1,
    };

    private TrainingResult TrainGrpo(string stage, string initFrom, ChatTemplate template, IReadOnlyList<MathProblem> problems,
        Grpo.Schedule.PtstSchedule schedule, bool softReward, CancellationToken ct)
    {
        IRewardFunction reward = softReward ? WeightedSumReward.ZeroBaseline(_verifier) : new HardFormatResultReward(_verifier);
        var options = GrpoTrainingOptions(_o, schedule);
        var prompts = problems.Select(p => new GrpoPrompt(p, SyntheticPrompts.Question(p))).ToList();
        return TrainingStages.Grpo(Run(stage), LoadOrCreate(initFrom), template, prompts, [new WeightedReward(reward)], options,
            $"GRPO {schedule} with the {(softReward ? "soft 1:1 format:result" : "hard format result")} reward", _images, ct);
    }

    private Qwen25VLModel LoadOrCreate(string? directory)
    {
        if (directory is not null) return Qwen25VLModel.FromPretrained(directory, _device, _dtype);
        var model = new Qwen25VLModel(Qwen25VLPresets.ByName(_o.Preset), _device, _dtype);
        model.InitializeWeights(_o.Seed);
        return model;
    }

    private async Task<ColdStartResult> BuildColdStart(StageRun run, IReadOnlyList<MathProblem> problems, CancellationToken ct)
    {
        using IChatClient teacher = _o.TeacherEndpoint is { } endpoint
            ? Commands.ChatEndpointArgs.Create(endpoint, _o.TeacherModel)
            : new SyntheticTeacherChatClient(problems, new SyntheticTeacherOptions { Seed = _o.Seed, MaxExtraReflections = _o.TeacherExtraReflections });
        var who = _o.TeacherEndpoint is { } e ? $"the teacher at {e}" : "the synthetic teacher";
        return await DataStages.ColdStartAsync(run, teacher, who, problems, new ColdStartOptions(MaxConcurrency: 4, MaxRetries: 3, RetryBaseDelay: TimeSpan.FromMilliseconds(200)), ct);
    }

    private StageRun Run(string stage) => StageRun.In(Stages, stage, _progress);

    private LocalEvaluation Evaluate(string stage, string name, IReadOnlyList<MathProblem> test, string modelDir, ChatTemplate template, bool direct, CancellationToken ct) =>
        TrainingStages.Evaluate(Run(stage), modelDir, _device, _dtype, template, test, new LocalEvaluationOptions
        {
            BatchSize = _o.EvalBatch,
            ConcurrentBatches = _o.ConcurrentGenerations,
            MaxNewTokens = direct ? _o.DirectMaxTokens : _o.EvalMaxTokens,
            Seed = _o.Seed + 3,
            DirectAnswer = direct,
            Prompt = direct ? SyntheticPrompts.Direct : SyntheticPrompts.Question,
        }, _verifier, $"{name} ({(direct ? "direct answer" : "<think>/<answer>")}, temperature 0.6, top-p 0.95)", _images, ct);
}
