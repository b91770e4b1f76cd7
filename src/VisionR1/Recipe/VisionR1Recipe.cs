using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using VisionR1.Answers;
using VisionR1.Data.Benchmarks;
using VisionR1.Data.Filtering;
using VisionR1.Data.Synthetic;
using VisionR1.Grpo.Evaluation;
using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rewards;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.IO;
using VisionR1.Model;
using VisionR1.Model.Generation;
using VisionR1.Problems;
using VisionR1.Runtime;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Recipe;

/// <summary>
/// The Vision-R1 recipe from a base model: modality-bridging cold start through a teacher → CoT filter → cold-start SFT ("ci")
/// → GRPO with PTST and the hard format result reward ("vision_r1"), the optional variants (Zero: RL from the base with the
/// soft 1:1 format:result reward; Long: one long stage from CI; paper Table 3), the optional estimator ablation (GRPO from CI
/// with other members of the GRPO family, <see cref="RecipeOptions.Ablation"/>) → evaluation of every model on the held-out
/// problems, paired comparisons (exact McNemar), one merged metrics.jsonl and summary.json. Each stage runs in its own folder
/// under <see cref="RecipeOptions.OutputDirectory"/> (<see cref="StageRunner"/>): a finished stage is never redone, and the
/// training stages resume from their own checkpoints, so calling <see cref="RunAsync"/> again continues a stopped run.
/// </summary>
/// <example>
/// <code>
/// var recipe = new VisionR1Recipe(new RecipeOptions { OutputDirectory = "runs/r1", Device = "cuda" }, new PlainProgress(Console.Out));
/// RecipeSummary summary = await recipe.RunAsync("Qwen2.5-VL-7B-Instruct", train, test, teacher, cancellationToken);
/// </code>
/// </example>
public sealed class VisionR1Recipe
{
    private readonly RecipeOptions _o;
    private readonly IRecipeProgress _progress;
    private readonly MathVerifier _verifier = new();
    private ImageLoader? _loader; // the base folder's image processor, set by RunAsync
    private readonly Device _device;

    /// <summary>Prepares a run (nothing is done until <see cref="RunAsync"/>).</summary>
    public VisionR1Recipe(RecipeOptions options, IRecipeProgress progress)
    {
        _o = options ?? throw new ArgumentNullException(nameof(options));
        _progress = progress ?? throw new ArgumentNullException(nameof(progress));
        Stages = new StageRunner(options.OutputDirectory);
        _device = VisionR1Runtime.ParseDevice(options.Device);
    }

    /// <summary>The stage runner (its <see cref="StageRunner.Resumed"/> lists the stages skipped as done).</summary>
    public StageRunner Stages { get; }

    /// <summary>
    /// The training problems the cold start is built from: the first <see cref="RecipeOptions.ColdStartItems"/> (half when not
    /// set). A synthetic teacher that knows its problems is built over these.
    /// </summary>
    public static IReadOnlyList<MathProblem> ColdStartPool(IReadOnlyList<MathProblem> train, RecipeOptions options)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        return train.Take(Math.Min(options.ColdStartItems ?? train.Count / 2, train.Count)).ToList();
    }

    /// <summary>
    /// The GRPO prompt pool: the training problems after the <paramref name="coldCount"/> used for the cold start (all of them if
    /// none are left), keeping only those with at least <paramref name="minSteps"/> reasoning steps (synthetic metadata "steps")
    /// when that leaves at least <paramref name="promptsPerStep"/>; otherwise the whole pool.
    /// </summary>
    public static IReadOnlyList<MathProblem> RlPool(IReadOnlyList<MathProblem> train, int coldCount, int minSteps, int promptsPerStep)
    {
        ArgumentNullException.ThrowIfNull(train);
        IReadOnlyList<MathProblem> pool = train.Count > coldCount ? train.Skip(coldCount).ToList() : train;
        if (minSteps <= 1) return pool;
        var multi = pool.Where(p => int.TryParse(p.Metadata?.GetValueOrDefault(SyntheticMetadataKeys.Steps), out var n) && n >= minSteps).ToList();
        return multi.Count >= promptsPerStep ? multi : pool;
    }

    /// <summary>
    /// Runs (or resumes) every stage from the Hugging Face Qwen2.5-VL or Qwen3-VL folder <paramref name="baseModelDirectory"/> (with its
    /// tokenizer files; images are processed as its <c>preprocessor_config.json</c>, or its family's released processor, says) and returns the summary, also written to summary.json. The options are checked first (<see cref="RecipeOptions.Validate"/>). <paramref name="teacher"/> builds the cold start
    /// (as both the multimodal and the reasoning model); <paramref name="test"/> is held out for the evaluations.
    /// </summary>
    public async Task<RecipeSummary> RunAsync(string baseModelDirectory, IReadOnlyList<MathProblem> train, IReadOnlyList<MathProblem> test,
        IChatClient teacher, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseModelDirectory);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(teacher);
        _o.Validate();
        var template = new ChatTemplate(TokenizerLoader.FromFolder(baseModelDirectory), _o.Template);
        _loader = new ImageLoader(QwenVLFamilies.ImageProcessorOf(baseModelDirectory), cacheBytes: _o.ImageCacheBytes);
        var coldProblems = ColdStartPool(train, _o);
        var rlProblems = RlPool(train, coldProblems.Count, _o.RlMinReasoningSteps, _o.Grpo.PromptsPerStep);

        var models = new List<(string Name, string Dir, bool Direct)>();
        if (_o.BaseEvaluation != BaseEvaluationStyle.DirectAndReasoning) models.Add((RecipeStages.Base, baseModelDirectory, _o.BaseEvaluation == BaseEvaluationStyle.Direct));
        else models.AddRange([(RecipeStages.Base, baseModelDirectory, true), (RecipeStages.BaseCot, baseModelDirectory, false)]);
        if (_o.Until != RecipeStages.Base)
        {
            var coldDir = Stages.StageDirectory(RecipeStages.ColdStart);
            await Stages.RunAsync(RecipeStages.ColdStart, (_, ct) => DataStages.ColdStartAsync(Run(RecipeStages.ColdStart), teacher, _o.TeacherName, coldProblems, _o.ColdStart, ct), cancellationToken).ConfigureAwait(false);
            await Stages.RunAsync(RecipeStages.Filter, (_, ct) => DataStages.FilterAsync(Run(RecipeStages.Filter), new CotFilter(_verifier, _o.Filter), coldDir, ct), cancellationToken).ConfigureAwait(false);
            var ci = await Stages.RunAsync(RecipeStages.Ci, async (_, ct) =>
            {
                var samples = await FilteredSamples.ReadAsync(Path.Combine(coldDir, DataStages.FilteredFile), train, ct).ConfigureAwait(false);
                return TrainingStages.Sft(Run(RecipeStages.Ci), Load(baseModelDirectory), template, samples, _o.ColdStartSft with { Seed = _o.Seed + 1 },
                    "cold-start SFT from base", Images, ct);
            }, cancellationToken).ConfigureAwait(false);
            models.Add((RecipeStages.Ci, ci.ModelDirectory, false));
            if (_o.Until != RecipeStages.Ci)
            {
                (string Stage, string From)[] table3 = [(RecipeStages.VisionR1, ci.ModelDirectory), (RecipeStages.Zero, baseModelDirectory), (RecipeStages.Long, ci.ModelDirectory)];
                var runs = table3.Where(r => r.Stage == RecipeStages.VisionR1 || _o.Variants.Contains(r.Stage))
                    .Concat(_o.AblationStages().Select(stage => (stage, ci.ModelDirectory)));
                foreach (var (stage, from) in runs)
                {
                    var result = await Stages.RunAsync(stage, (_, ct) => Task.FromResult(TrainGrpo(stage, from, template, rlProblems, ct)), cancellationToken).ConfigureAwait(false);
                    models.Add((stage, result.ModelDirectory, false));
                }
            }
        }

        var evaluations = new Dictionary<string, LocalEvaluation>(StringComparer.Ordinal);
        var probes = new Dictionary<string, LocalEvaluation>(StringComparer.Ordinal);
        foreach (var (name, dir, direct) in models)
        {
            evaluations[name] = await Stages.RunAsync(RecipeStages.Eval(name),
                (_, ct) => Task.FromResult(Evaluate(RecipeStages.Eval(name), name, test, dir, template, direct, ct)), cancellationToken).ConfigureAwait(false);
            if (_o.ProbeProblems.Count > 0)
                probes[name] = await Stages.RunAsync(RecipeStages.Probe(name),
                    (_, ct) => Task.FromResult(Evaluate(RecipeStages.Probe(name), RecipeStages.Probe(name), _o.ProbeProblems, dir, template, direct, ct)), cancellationToken).ConfigureAwait(false);
        }
        return WriteSummary(models.Select(m => m.Name).ToList(), test, evaluations, probes);
    }

    private RecipeSummary WriteSummary(IReadOnlyList<string> models, IReadOnlyList<MathProblem> test,
        Dictionary<string, LocalEvaluation> evaluations, Dictionary<string, LocalEvaluation> probes)
    {
        var root = Stages.Root;
        string Predictions(string model) => Path.Combine(Stages.StageDirectory(RecipeStages.Eval(model)), TrainingStages.PredictionsFile);
        var verdicts = models.Select(m => (Name: m, Verdicts: (IReadOnlyDictionary<string, bool>)VerdictBreakdown.ReadVerdicts(Predictions(m)))).ToList();
        MetricsFile.Merge(models.Select(m => (m, Path.Combine(Stages.StageDirectory(m), JsonlMetricsSink.MetricsFileName))), Path.Combine(root, JsonlMetricsSink.MetricsFileName));
        var stageSeconds = Stages.ElapsedByStage();
        var summary = new RecipeSummary(evaluations, test.Count, stageSeconds.Values.Sum(), stageSeconds, _o.SmokeRun, _o.Seed)
        {
            Probe = probes,
            Plan = _o.Plan,
            Equations = models.ToDictionary(m => m, m => EquationAudit.OfPredictions(Predictions(m))),
            Paired = Paired(verdicts),
            Breakdown = verdicts.ToDictionary(v => v.Name, v => VerdictBreakdown.ByMetadata(test, v.Verdicts, [.. _o.BreakdownKeys])),
        };
        var ablation = AblationTable.Rows(summary, _o.Grpo.Algorithm);
        if (ablation.Count > 0)
        {
            summary = summary with { Ablation = ablation };
            AtomicFile.WriteAllText(Path.Combine(root, AblationTable.FileName), AblationTable.Markdown(summary)!);
        }
        AtomicFile.WriteAllText(Path.Combine(root, "summary.json"), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        return summary;
    }

    /// <summary>
    /// Every model against each one before it, but the ablation stages only against CI and "vision_r1" (the comparisons the
    /// ablation reads; all pairs of them would grow with the square of the algorithms).
    /// </summary>
    private static IReadOnlyList<PairedComparison> Paired(IReadOnlyList<(string Name, IReadOnlyDictionary<string, bool> Verdicts)> verdicts)
    {
        var main = verdicts.Where(v => !RecipeStages.IsAblation(v.Name, out _)).ToList();
        var references = main.Where(v => v.Name is RecipeStages.Ci or RecipeStages.VisionR1).ToList();
        return [.. PairedComparison.AllPairs(main),
            .. verdicts.Where(v => RecipeStages.IsAblation(v.Name, out _))
                .SelectMany(v => references.Select(r => PairedComparison.Of(v.Verdicts, r.Verdicts) with { First = v.Name, Second = r.Name }))];
    }

    private TrainingResult TrainGrpo(string stage, string initFrom, ChatTemplate template, IReadOnlyList<MathProblem> problems, CancellationToken ct)
    {
        bool soft = stage == RecipeStages.Zero;
        IRewardFunction reward = soft ? WeightedSumReward.ZeroBaseline(_verifier) : new HardFormatResultReward(_verifier);
        var options = _o.GrpoOptionsFor(stage);
        var prompts = problems.Select(p => new GrpoPrompt(p, _o.Prompt?.Invoke(p) ?? p.PromptText())).ToList();
        string algorithm = RecipeStages.IsAblation(stage, out _) ? $" ({GrpoAlgorithmNames.NameOf(options.Algorithm)})" : "";
        return TrainingStages.Grpo(Run(stage), Load(initFrom), template, prompts, [new WeightedReward(reward)], options,
            $"GRPO{algorithm} {options.Schedule} with the {(soft ? "soft 1:1 format:result" : "hard format result")} reward", Images, ct);
    }

    /// <summary>Images of every stage, through the base folder's image processor (its family's unless its preprocessor_config.json says otherwise).</summary>
    private ImageLoader Images => _loader ?? throw new InvalidOperationException("The recipe's images are read once RunAsync has its base model.");

    private QwenVLModel Load(string directory) => QwenVLModel.FromPretrained(directory, _device, _o.DType);

    private StageRun Run(string stage) => StageRun.In(Stages, stage, _progress);

    private LocalEvaluation Evaluate(string stage, string name, IReadOnlyList<MathProblem> problems, string modelDir, ChatTemplate template, bool direct, CancellationToken ct) =>
        TrainingStages.Evaluate(Run(stage), modelDir, _device, _o.DType, template, problems, _o.Evaluation with
        {
            MaxNewTokens = direct ? _o.DirectMaxTokens : _o.Evaluation.MaxNewTokens,
            Seed = _o.Seed + 3,
            DirectAnswer = direct,
            Prompt = direct ? _o.DirectPrompt : _o.Prompt,
        }, _verifier, string.Create(CultureInfo.InvariantCulture, $"{name} ({(direct ? "direct answer" : ThinkAnswerFormat.Default.LayoutText)}, " +
            $"temperature {_o.Evaluation.Temperature ?? GenerationOptions.Evaluation.Temperature}, top-p {GenerationOptions.Evaluation.TopP})"), Images, ct);
}
