using VisionR1.Grpo.Loss;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Schedule;

namespace VisionR1.Grpo.Metrics;

/// <summary>
/// Assembles a <see cref="GrpoStepMetrics"/> from what the parts of a GRPO step report: the stage, the sampling rounds, the
/// weight sync, the update, and the step's wall-clock time. Completion statistics (rewards, accuracy, lengths, truncation)
/// cover every sampled completion, before dynamic sampling drops groups; the loss statistics cover what was trained on.
/// </summary>
internal sealed class GrpoStepMetricsBuilder
{
    private readonly long _step;
    private readonly int _stageIndex;
    private readonly PtstStage _stage;
    private readonly double _temperature;
    private IReadOnlyList<CompletionGroup> _sampled = [];
    private List<ScoredCompletion> _completions = [];
    private int _kept, _promptsSampled, _retries, _trainedCompletions, _trainedTokens, _updates = 1;
    private double _generationSeconds, _scoringSeconds, _syncSeconds, _learningRate, _gradNorm, _logProbSeconds, _trainingSeconds;
    private long? _rolloutVersion;
    private GrpoLossStatsAccumulator _loss = new();

    /// <summary>Starts the metrics of step <paramref name="step"/> (1-based) of stage <paramref name="stageIndex"/>.</summary>
    public GrpoStepMetricsBuilder(long step, int stageIndex, PtstStage stage, double temperature)
    {
        _step = step;
        _stageIndex = stageIndex;
        _stage = stage ?? throw new ArgumentNullException(nameof(stage));
        _temperature = temperature;
    }

    /// <summary>Share of the sampled completions cut at the length cap (0 for none), what PTST's stage switch watches.</summary>
    public double ClippedRatio => _completions.Count == 0 ? 0 : _completions.Count(c => c.Truncated) / (double)_completions.Count;

    /// <summary>What the sampling rounds produced: every group sampled, how many were kept, and what it cost.</summary>
    public GrpoStepMetricsBuilder Rollout(IReadOnlyList<CompletionGroup> sampled, int keptGroups, int promptsSampled,
        double generationSeconds, double scoringSeconds, int retries)
    {
        _sampled = sampled ?? throw new ArgumentNullException(nameof(sampled));
        _completions = sampled.SelectMany(g => g.Completions).ToList();
        _kept = keptGroups;
        _promptsSampled = promptsSampled;
        _generationSeconds = generationSeconds;
        _scoringSeconds = scoringSeconds;
        _retries = retries;
        return this;
    }

    /// <summary>The weights published to a rollout engine with its own copy (0 s and null version when none).</summary>
    public GrpoStepMetricsBuilder WeightSync(double seconds, long? rolloutVersion)
    {
        _syncSeconds = seconds;
        _rolloutVersion = rolloutVersion;
        return this;
    }

    /// <summary>The learning rate the step used.</summary>
    public GrpoStepMetricsBuilder LearningRate(double learningRate)
    {
        _learningRate = learningRate;
        return this;
    }

    /// <summary>What the update trained on and its statistics over <paramref name="updates"/> optimizer updates (μ).</summary>
    public GrpoStepMetricsBuilder Update(int completions, int tokens, GrpoLossStatsAccumulator loss, int updates, double gradNorm,
        double logProbSeconds, double trainingSeconds)
    {
        _trainedCompletions = completions;
        _trainedTokens = tokens;
        _loss = loss ?? throw new ArgumentNullException(nameof(loss));
        _updates = updates;
        _gradNorm = gradNorm;
        _logProbSeconds = logProbSeconds;
        _trainingSeconds = trainingSeconds;
        return this;
    }

    /// <summary>The step's metrics, with <paramref name="stepSeconds"/> of wall-clock time.</summary>
    public GrpoStepMetrics Build(double stepSeconds)
    {
        var c = _completions;
        var totals = RewardStats.Of(c.Select(x => x.Reward).ToList());
        return new GrpoStepMetrics
        {
            Step = _step,
            Stage = _stageIndex,
            StageName = _stage.Name,
            GroupSize = _stage.GroupSize,
            MaxCompletionLength = _stage.MaxCompletionLength,
            Temperature = _temperature,
            Prompts = _kept,
            PromptsSampled = _promptsSampled,
            Completions = _trainedCompletions,
            Tokens = _trainedTokens,
            RewardMean = totals.Mean,
            RewardStd = totals.Std,
            Rewards = RewardSummary(c),
            Accuracy = Share(c, x => x.Correct),
            FormatRate = Share(c, x => x.FormatOk),
            CompletionLengthMean = c.Count == 0 ? 0 : c.Average(x => x.Tokens.Length),
            CompletionLengthMax = c.Count == 0 ? 0 : c.Max(x => x.Tokens.Length),
            ClippedRatio = ClippedRatio,
            Kl = _loss.Kl,
            Entropy = _loss.Entropy,
            ClipFraction = _loss.ClipFraction,
            RatioMean = _loss.RatioMean,
            RatioMin = _loss.RatioMin,
            RatioMax = _loss.RatioMax,
            FracRewardZeroStd = _sampled.Count(g => g.ZeroSpread) / (double)_sampled.Count,
            Loss = _loss.Loss(_updates),
            LearningRate = _learningRate,
            GradNorm = _gradNorm,
            TokensPerSecond = stepSeconds > 0 ? c.Sum(x => x.Tokens.Length) / stepSeconds : 0,
            GenerationSeconds = _generationSeconds,
            ScoringSeconds = _scoringSeconds,
            LogProbSeconds = _logProbSeconds,
            TrainingSeconds = _trainingSeconds,
            StepSeconds = stepSeconds,
            WeightSyncSeconds = _syncSeconds,
            RolloutVersion = _rolloutVersion,
            RolloutRetries = _retries,
            ImportanceWeightMean = _loss.ImportanceWeightMean,
        };
    }

    /// <summary>Share of the completions some reward judged for which it said true, or null when none judged.</summary>
    private static double? Share(List<ScoredCompletion> completions, Func<ScoredCompletion, bool?> verdict)
    {
        var judged = completions.Where(x => verdict(x) is not null).ToList();
        return judged.Count == 0 ? null : judged.Count(x => verdict(x) == true) / (double)judged.Count;
    }

    private static Dictionary<string, RewardStats> RewardSummary(IReadOnlyList<ScoredCompletion> completions)
    {
        var names = completions.SelectMany(c => c.Parts.Keys).Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal);
        return names.ToDictionary(n => n, n => RewardStats.Of(completions.Where(c => c.Parts.ContainsKey(n)).Select(c => c.Parts[n]).ToList()), StringComparer.Ordinal);
    }
}
