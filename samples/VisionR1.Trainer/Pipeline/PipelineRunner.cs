using VisionR1.IO;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using VisionR1.Answers;
using VisionR1.Data.ColdStart;
using VisionR1.Data.Filtering;
using VisionR1.Data.Readers;
using VisionR1.Data.Records;
using VisionR1.Problems;
using VisionR1.Data.Synthetic;
using VisionR1.Grpo.Loss;
using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rewards;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using ChatTurn = VisionR1.Inputs.ChatTurn;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Runtime;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Trainer.Pipeline;

/// <summary>
/// The whole Vision-R1 recipe as resumable stages (<see cref="StageRunner"/>): world → tokenizer → base pre-training
/// from scratch → modality-bridging cold start → CoT filter → cold-start SFT (CI) → GRPO with PTST and the hard
/// format result reward (Vision-R1), optional Zero/Long variants → evaluation of every model on the held-out split →
/// metrics.jsonl, summary.json and plots. A stage that finished is never redone; training stages also resume from
/// their own checkpoints. The real path starts from a given model and data files instead of the world.
/// </summary>
public sealed class PipelineRunner
{
    private readonly PipelineOptions _o;
    private readonly IPipelineProgress _progress;
    private readonly Device _device;
    private readonly ScalarType _dtype;
    private readonly MathVerifier _verifier = new();
    private readonly ImageLoader _images = new(new ImageProcessor(), cacheBytes: 256L << 20);

    /// <summary>Prepares a run (nothing is done until <see cref="RunAsync"/>).</summary>
    public PipelineRunner(PipelineOptions options, IPipelineProgress progress)
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
            train = await ReadProblems(_o.TrainFile ?? throw new ArgumentException("The real path needs a training file (--train)."), cancellationToken);
            test = await ReadProblems(_o.EvalFile ?? throw new ArgumentException("The real path needs an evaluation file (--eval)."), cancellationToken);
            tokenizer = TokenizerLoader.FromFolder(_o.ModelDirectory!);
        }
        else
        {
            await Stages.RunAsync(PipelineStages.World, (dir, ct) => BuildWorld(dir, ct), cancellationToken);
            var worldDir = Stages.StageDirectory(PipelineStages.World);
            train = await ReadProblems(Path.Combine(worldDir, "train.jsonl"), cancellationToken);
            test = await ReadProblems(Path.Combine(worldDir, "test.jsonl"), cancellationToken);
            await Stages.RunAsync(PipelineStages.Tokenizer, (dir, ct) => TrainTokenizer(dir, train, ct), cancellationToken);
            tokenizer = TokenizerLoader.FromFolder(Stages.StageDirectory(PipelineStages.Tokenizer));
        }
        var template = new ChatTemplate(tokenizer, ChatTemplateOptions.NoSystemPrompt);
        var coldProblems = train.Take(Math.Min(_o.ColdStartItems, train.Count)).ToList();
        var rlProblems = train.Count > coldProblems.Count ? train.Skip(coldProblems.Count).ToList() : train;

        string baseModel;
        if (_o.IsRealPath) baseModel = _o.ModelDirectory!;
        else
        {
            var result = await Stages.RunAsync(PipelineStages.Base, (dir, ct) => Task.FromResult(TrainBase(dir, template, train, ct)), cancellationToken);
            baseModel = result.ModelDirectory;
        }

        var models = new List<(string Name, string Dir, bool Direct)> { (PipelineStages.Base, baseModel, !_o.IsRealPath) };
        if (_o.Until != PipelineStages.Base)
        {
            await Stages.RunAsync(PipelineStages.ColdStart, (dir, ct) => BuildColdStart(dir, coldProblems, baseModel, template, ct), cancellationToken);
            await Stages.RunAsync(PipelineStages.Filter, (dir, ct) => Filter(dir, ct), cancellationToken);
            var ci = await Stages.RunAsync(PipelineStages.Ci, async (dir, ct) =>
            {
                var samples = await FilteredSamples(train, ct);
                return TrainSft(PipelineStages.Ci, dir, baseModel, template, samples, ColdStartSftOptions(), "cold-start SFT from base", ct);
            }, cancellationToken);
            models.Add((PipelineStages.Ci, ci.ModelDirectory, false));
            if (_o.Until != PipelineStages.Ci)
            {
                var vr1 = await Stages.RunAsync(PipelineStages.VisionR1, (dir, ct) => Task.FromResult(TrainGrpo(PipelineStages.VisionR1, dir, ci.ModelDirectory, template, rlProblems, _o.PtstSchedule(), softReward: false, ct)), cancellationToken);
                models.Add((PipelineStages.VisionR1, vr1.ModelDirectory, false));
                if (_o.Variants.Contains(PipelineStages.Zero))
                {
                    var zero = await Stages.RunAsync(PipelineStages.Zero, (dir, ct) => Task.FromResult(TrainGrpo(PipelineStages.Zero, dir, baseModel, template, rlProblems, _o.ZeroSchedule(), softReward: true, ct)), cancellationToken);
                    models.Add((PipelineStages.Zero, zero.ModelDirectory, false));
                }
                if (_o.Variants.Contains(PipelineStages.Long))
                {
                    var longRun = await Stages.RunAsync(PipelineStages.Long, (dir, ct) => Task.FromResult(TrainGrpo(PipelineStages.Long, dir, ci.ModelDirectory, template, rlProblems, _o.LongSchedule(), softReward: false, ct)), cancellationToken);
                    models.Add((PipelineStages.Long, longRun.ModelDirectory, false));
                }
            }
        }

        var evaluations = new Dictionary<string, StageEvaluation>(StringComparer.Ordinal);
        foreach (var (name, dir, direct) in models)
        {
            evaluations[name] = await Stages.RunAsync(PipelineStages.Eval(name),
                (evalDir, ct) => Task.FromResult(Evaluate(name, evalDir, dir, template, test, direct, ct)), cancellationToken);
        }

        WriteMetrics(root, models.Select(m => m.Name).ToList());
        var stageSeconds = Stages.ElapsedByStage();
        var summary = new PipelineSummary(evaluations, test.Count, stageSeconds.Values.Sum(), stageSeconds, _o.IsQuick, _o.Seed);
        AtomicFile.WriteAllText(Path.Combine(root, "summary.json"), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        DrawPlots(root);
        return summary;
    }

    // ---- data -------------------------------------------------------------------------------------------

    private async Task<List<MathProblem>> ReadProblems(string path, CancellationToken ct)
    {
        var report = new ReadReport();
        var list = new List<MathProblem>();
        await foreach (var p in ProblemSource.Open(path, new ReadOptions(), report, ct)) list.Add(p);
        if (list.Count == 0) throw new InvalidDataException($"{path}: no readable problems.");
        return list;
    }

    private async Task<WorldResult> BuildWorld(string dir, CancellationToken ct)
    {
        var world = new SyntheticWorldGenerator(new SyntheticWorldOptions { Seed = _o.Seed, ImageSize = _o.ImageSize, Difficulty = _o.Difficulty });
        _progress.Begin(PipelineStages.World, $"rendering {_o.TrainItems} train + {_o.TestItems} test problems at {_o.ImageSize} px", _o.TrainItems + _o.TestItems);
        _progress.Update(PipelineStages.World, 0);
        var train = world.GenerateAsync(SyntheticSplit.Train, _o.TrainItems, ct);
        await MathProblemJsonl.WriteAsync(Path.Combine(dir, "train.jsonl"), train, dir, ct);
        _progress.Update(PipelineStages.World, _o.TrainItems);
        await MathProblemJsonl.WriteAsync(Path.Combine(dir, "test.jsonl"), world.GenerateAsync(SyntheticSplit.Test, _o.TestItems, ct), dir, ct);
        _progress.End(PipelineStages.World, $"{_o.TrainItems} train, {_o.TestItems} test");
        return new WorldResult(_o.TrainItems, _o.TestItems);
    }

    private async Task<TokenizerResult> TrainTokenizer(string dir, IReadOnlyList<MathProblem> train, CancellationToken ct)
    {
        _progress.Begin(PipelineStages.Tokenizer, "training the compact tokenizer on world texts and teacher outputs", 1);
        var corpus = new List<string>(CompactTokenizerTrainer.SeedCorpus);
        corpus.Add(PipelinePrompts.Describe);
        corpus.Add(PipelinePrompts.DirectSuffix);
        foreach (var p in train)
        {
            corpus.Add(PipelinePrompts.Question(p));
            corpus.Add(p.Answer);
            if (SyntheticItem.IsSynthetic(p)) corpus.Add(SyntheticItem.FromProblem(p).Caption);
        }
        // Teacher outputs for a sample of the problems, through the same three-step protocol the cold start uses.
        var sample = train.Take(Math.Min(200, train.Count)).ToList();
        using (var teacher = new SyntheticTeacherChatClient(sample, new SyntheticTeacherOptions { Seed = _o.Seed }))
        {
            foreach (var p in sample)
                foreach (var step in new[] { ModalityBridgingProtocol.PseudoCot, ModalityBridgingProtocol.Description, ModalityBridgingProtocol.Reasoning })
                {
                    var options = new ChatOptions { AdditionalProperties = new() { [ModalityBridgingProtocol.StepProperty] = step, [ModalityBridgingProtocol.ItemIdProperty] = p.Id } };
                    var reply = await teacher.GetResponseAsync([new ChatMessage(ChatRole.User, p.Question)], options, ct);
                    corpus.Add(reply.Text);
                }
        }
        var tokenizer = CompactTokenizerTrainer.Train(corpus, new CompactTokenizerOptions(Qwen25VLPresets.ByName(_o.Preset).Text.VocabSize), ct);
        tokenizer.Save(dir);
        _progress.End(PipelineStages.Tokenizer, $"{tokenizer.VocabularySize} ids from {corpus.Count} texts");
        return new TokenizerResult(tokenizer.VocabularySize, corpus.Count);
    }

    // ---- training ---------------------------------------------------------------------------------------

    private TrainingResult TrainBase(string dir, ChatTemplate template, IReadOnlyList<MathProblem> train, CancellationToken ct)
    {
        var samples = new List<SupervisedSample>(train.Count * 2);
        foreach (var p in train)
        {
            var caption = p.Metadata?.GetValueOrDefault(SyntheticMetadataKeys.Caption) ?? SyntheticItem.FromProblem(p).Caption;
            samples.Add(new SupervisedSample(p, PipelinePrompts.Describe, caption));
            samples.Add(new SupervisedSample(p, PipelinePrompts.Direct(p), p.Answer));
        }
        samples.AddRange(ArithmeticDrills.Generate(_o.BaseArithmeticDrills, _o.Seed));
        var options = new SftOptions
        {
            Epochs = _o.BaseEpochs,
            LearningRate = _o.BaseLearningRate,
            WarmupRatio = 0.05,
            MicroBatchSize = _o.BaseBatch,
            GradientAccumulationSteps = 1,
            FreezeVisionTower = false, // from scratch: the vision tower must learn to see
            Adam = new AdamWOptions(WeightDecay: 0.01),
            Seed = _o.Seed,
        };
        return TrainSft(PipelineStages.Base, dir, null, template, samples, options, $"pre-training a '{_o.Preset}' model from scratch on captions{(_o.BaseArithmeticDrills > 0 ? ", direct answers and arithmetic" : " and direct answers")}", ct);
    }

    private SftOptions ColdStartSftOptions() => new()
    {
        Epochs = _o.CiEpochs,
        LearningRate = _o.CiLearningRate,
        WarmupRatio = 0.05,
        MicroBatchSize = _o.CiBatch,
        GradientAccumulationSteps = 1,
        FreezeVisionTower = true, // as the paper's cold-start SFT
        Seed = _o.Seed + 1,
    };

    private TrainingResult TrainSft(string stage, string dir, string? initFrom, ChatTemplate template, IReadOnlyList<SupervisedSample> samples,
        SftOptions options, string description, CancellationToken ct)
    {
        var model = LoadOrCreate(initFrom); // the policy owns and disposes it
        using var policy = new QwenPolicy(model, [template.Tokenizer.Special.ImEnd]);
        options = options with { OutputDirectory = dir, SaveEverySteps = _o.SaveEverySteps, KeepLastCheckpoints = 1 };
        using var trainer = new SftTrainer<SupervisedSample>(policy, new SupervisedSampleCollator(template, _images), samples, options);
        var resumed = trainer.TryResume();
        using var jsonl = new JsonlMetricsSink(dir, resumed?.Step ?? 0);
        double last = double.NaN;
        var lastSink = new InMemoryMetricsSink();
        trainer.Metrics = new CompositeMetricsSink(jsonl, new ProgressMetricsSink(_progress, stage), lastSink);
        _progress.Begin(stage, $"{description}: {samples.Count} samples, {trainer.TotalSteps} steps", trainer.TotalSteps);
        _progress.Update(stage, trainer.Step);
        var result = trainer.Train(null, ct);
        if (!result.Finished) throw new OperationCanceledException("Training stopped before the end.", ct);
        if (lastSink.SftSteps.Count > 0) last = lastSink.SftSteps[^1].Loss;
        var modelDir = SaveFinal(model, template, dir);
        _progress.End(stage, string.Create(CultureInfo.InvariantCulture, $"{result.Step} steps, last loss {last:F3}"));
        return new TrainingResult(result.Step, samples.Count, last, modelDir);
    }

    private TrainingResult TrainGrpo(string stage, string dir, string initFrom, ChatTemplate template, IReadOnlyList<MathProblem> problems,
        Grpo.Schedule.PtstSchedule schedule, bool softReward, CancellationToken ct)
    {
        var model = LoadOrCreate(initFrom); // the policy owns and disposes it
        using var policy = new QwenPolicy(model, [template.Tokenizer.Special.ImEnd]);
        var encoder = new ChatPromptEncoder(template, _images);
        IRewardFunction reward = softReward ? WeightedSumReward.ZeroBaseline(_verifier) : new HardFormatResultReward(_verifier);
        var prompts = problems.Select(p => new GrpoPrompt(p, PipelinePrompts.Question(p))).ToList();
        var options = new GrpoOptions
        {
            Schedule = schedule,
            PromptsPerStep = _o.GrpoPromptsPerStep,
            MicroBatchSize = _o.GrpoMicroBatch,
            LearningRate = _o.GrpoLearningRate,
            Temperature = _o.GrpoTemperature,
            Loss = new GrpoLossOptions(Beta: _o.GrpoBeta),
            FreezeVisionTower = true,
            Seed = _o.Seed + 2,
            OutputDirectory = dir,
            SaveEverySteps = _o.SaveEverySteps,
            KeepLastCheckpoints = 1,
        };
        using var trainer = new GrpoTrainer(policy, encoder, template.Tokenizer, [new WeightedReward(reward)], prompts, options);
        var resumed = trainer.TryResume();
        using var jsonl = new JsonlMetricsSink(dir, resumed?.Step ?? 0);
        var lastSink = new InMemoryMetricsSink();
        trainer.Metrics = new CompositeMetricsSink(jsonl, new ProgressMetricsSink(_progress, stage), lastSink);
        int total = schedule.TotalSteps ?? 0;
        _progress.Begin(stage, $"GRPO {schedule} with the {(softReward ? "soft 1:1 format:result" : "hard format result")} reward over {prompts.Count} prompts", total);
        _progress.Update(stage, trainer.Step);
        var result = trainer.Train(null, ct);
        if (!result.Finished) throw new OperationCanceledException("Training stopped before the end.", ct);
        double last = lastSink.GrpoSteps.Count > 0 ? lastSink.GrpoSteps[^1].RewardMean : double.NaN;
        var modelDir = SaveFinal(model, template, dir);
        _progress.End(stage, string.Create(CultureInfo.InvariantCulture, $"{result.Step} steps, last mean reward {last:F3}"));
        return new TrainingResult(result.Step, prompts.Count, last, modelDir);
    }

    private Qwen25VLModel LoadOrCreate(string? directory)
    {
        if (directory is not null) return Qwen25VLModel.FromPretrained(directory, _device, _dtype);
        var model = new Qwen25VLModel(Qwen25VLPresets.ByName(_o.Preset), _device, _dtype);
        model.InitializeWeights(_o.Seed);
        return model;
    }

    private static string SaveFinal(Qwen25VLModel model, ChatTemplate template, string stageDir)
    {
        var target = Path.Combine(stageDir, PipelineStages.ModelFolder);
        var temp = target + ".tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        model.SavePretrained(temp);
        template.Tokenizer.Save(temp);
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Directory.Move(temp, target);
        return target;
    }

    // ---- cold start ---------------------------------------------------------------------------------------

    private async Task<ColdStartResult> BuildColdStart(string dir, IReadOnlyList<MathProblem> problems, string baseModel, ChatTemplate template, CancellationToken ct)
    {
        IChatClient teacher;
        string who;
        if (_o.TeacherEndpoint is { } endpoint)
        {
            teacher = TeacherClients.OpenAiCompatible(endpoint, _o.TeacherModel);
            who = $"the teacher at {endpoint}";
        }
        else
        {
            teacher = new SyntheticTeacherChatClient(problems, new SyntheticTeacherOptions { Seed = _o.Seed, MaxExtraReflections = _o.TeacherExtraReflections });
            who = "the synthetic teacher";
        }
        using (teacher)
        {
            _progress.Begin(PipelineStages.ColdStart, $"modality bridging (pseudo-CoT → description → reasoning) with {who} on {problems.Count} problems", problems.Count);
            _progress.Update(PipelineStages.ColdStart, 0);
            var progress = new Progress<ColdStartProgress>(p => _progress.Update(PipelineStages.ColdStart, p.Completed + p.Resumed + p.Failed));
            var pipeline = new ColdStartPipeline(teacher, teacher, new ColdStartOptions(MaxConcurrency: 4, MaxRetries: 3, RetryBaseDelay: TimeSpan.FromMilliseconds(200)));
            // Images travel as bytes, so the construction saves its own copies next to its output and the output
            // folder is self-contained (its readers refuse image paths that leave it).
            var embedded = problems.Select(p => p with { Images = p.Images.Select(i => new ImageRef(null, i.Bytes ?? File.ReadAllBytes(i.Path!))).ToList() });
            var summary = await pipeline.RunAsync(embedded.ToAsyncEnumerable(), Path.Combine(dir, "cold.jsonl"), null, progress, ct);
            ct.ThrowIfCancellationRequested();
            if (summary.Progress.Completed + summary.Progress.Resumed == 0)
                throw new InvalidOperationException("The cold-start construction built no sample: " + string.Join("; ", summary.Failures.Take(3).Select(f => f.Key + ": " + f.Value)));
            _progress.End(PipelineStages.ColdStart, $"{summary.Progress.Completed} built, {summary.Progress.Resumed} resumed, {summary.Progress.Failed} failed");
            return new ColdStartResult(summary.Progress.Completed, summary.Progress.Resumed, summary.Progress.Failed, summary.Progress.OutputTokens);
        }
    }

    private async Task<FilterResult> Filter(string dir, CancellationToken ct)
    {
        _progress.Begin(PipelineStages.Filter, "CoT filter (format, truncation, repetition, math-verified answer, consistency)", 1);
        // The outputs sit next to the input: their image paths stay inside the folder the images were saved in.
        var coldDir = Stages.StageDirectory(PipelineStages.ColdStart);
        var report = await CotFilterFiles.FilterAsync(new CotFilter(_verifier), Path.Combine(coldDir, "cold.jsonl"), FilteredPath, Path.Combine(coldDir, "rejected.jsonl"), null, ct);
        AtomicFile.WriteAllText(Path.Combine(dir, "report.txt"), report.ToText());
        if (report.Kept == 0) throw new InvalidOperationException($"The CoT filter kept no sample of {report.Total}; see {Path.Combine(dir, "report.txt")}.");
        _progress.End(PipelineStages.Filter, $"kept {report.Kept} of {report.Total}");
        var wait = report.ReflectiveWords.Words.FirstOrDefault(w => w.Word == "Wait")?.Samples ?? 0;
        return new FilterResult(report.Total, report.Kept, report.Removed.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value), wait);
    }

    private string FilteredPath => Path.Combine(Stages.StageDirectory(PipelineStages.ColdStart), "filtered.jsonl");

    private Task<List<SupervisedSample>> FilteredSamples(IReadOnlyList<MathProblem> train, CancellationToken ct) =>
        Data.Filtering.FilteredSamples.ReadAsync(FilteredPath, train, ct);

    // ---- evaluation and reports ---------------------------------------------------------------------------

    private StageEvaluation Evaluate(string name, string evalDir, string modelDir, ChatTemplate template, IReadOnlyList<MathProblem> test, bool direct, CancellationToken ct)
    {
        using var model = Qwen25VLModel.FromPretrained(modelDir, _device, _dtype);
        var stage = PipelineStages.Eval(name);
        _progress.Begin(stage, $"{name} on {test.Count} held-out problems ({(direct ? "direct answer" : "<think>/<answer>")}, temperature 0.6, top-p 0.95)", test.Count);
        _progress.Update(stage, 0);
        var evaluator = new BatchedEvaluator(template, _images, _verifier);
        var result = evaluator.Evaluate(model, test, direct, _o.EvalBatch, direct ? _o.DirectMaxTokens : _o.EvalMaxTokens, _o.Seed + 3,
            Path.Combine(evalDir, "predictions.jsonl"), done => _progress.Update(stage, done), ct);
        _progress.End(stage, string.Create(CultureInfo.InvariantCulture, $"accuracy {result.Accuracy:P1} [{result.CiLower:P1}, {result.CiUpper:P1}], format {result.FormatRate:P0}"));
        return result;
    }

    private void WriteMetrics(string root, IReadOnlyList<string> runs)
    {
        var lines = new List<string>();
        foreach (var run in runs)
        {
            var file = Path.Combine(Stages.StageDirectory(run), JsonlMetricsSink.MetricsFileName);
            if (!File.Exists(file)) continue;
            foreach (var line in File.ReadLines(file))
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                if (JsonNode.Parse(line) is not JsonObject obj) continue;
                obj["run"] = run;
                lines.Add(obj.ToJsonString());
            }
        }
        AtomicFile.WriteAllText(Path.Combine(root, JsonlMetricsSink.MetricsFileName), string.Join('\n', lines) + (lines.Count > 0 ? "\n" : ""));
    }

    private static void DrawPlots(string root)
    {
        var points = MetricsPlots.Read(Path.Combine(root, JsonlMetricsSink.MetricsFileName), "pipeline");
        var rl = points.Where(p => p.Values.ContainsKey("reward_mean")).ToList();
        var sft = points.Where(p => !p.Values.ContainsKey("reward_mean")).Select(p => p with { Stage = null }).ToList();
        var plots = Path.Combine(root, "plots");
        Directory.CreateDirectory(plots);
        MetricsPlots.Draw(rl, "reward_mean", "GRPO mean reward", Path.Combine(plots, "reward.png"));
        MetricsPlots.Draw(rl, "accuracy", "GRPO training accuracy", Path.Combine(plots, "accuracy.png"));
        MetricsPlots.Draw(rl, "completion_length_mean", "Mean completion length (tokens)", Path.Combine(plots, "completion_length.png"));
        MetricsPlots.Draw(rl, "clipped_ratio", "Share of completions clipped at the length cap", Path.Combine(plots, "clipped_ratio.png"));
        MetricsPlots.Draw(sft, "loss", "SFT loss (base pre-training, cold-start SFT)", Path.Combine(plots, "sft_loss.png"));
    }
}
