namespace VisionR1.Grpo.Metrics;

/// <summary>
/// What one GRPO step did; one JSONL line of <c>metrics.jsonl</c> (snake_case field names, in this order). Built with
/// named members (<c>new GrpoStepMetrics { Step = 3, ... }</c>); every member is required.
/// </summary>
public sealed record GrpoStepMetrics
{
    /// <summary>The 1-based step number.</summary>
    public required long Step { get; init; }

    /// <summary>The index of the stage the step ran in.</summary>
    public required int Stage { get; init; }

    /// <summary>The stage's label, or null.</summary>
    public required string? StageName { get; init; }

    /// <summary>Completions per prompt in this step.</summary>
    public required int GroupSize { get; init; }

    /// <summary>The completion-length cap in this step.</summary>
    public required int MaxCompletionLength { get; init; }

    /// <summary>The sampling temperature.</summary>
    public required double Temperature { get; init; }

    /// <summary>Prompts whose groups were trained on (after dynamic sampling).</summary>
    public required int Prompts { get; init; }

    /// <summary>Prompts drawn from the data, including refills.</summary>
    public required int PromptsSampled { get; init; }

    /// <summary>Completions trained on.</summary>
    public required int Completions { get; init; }

    /// <summary>Completion tokens the loss counted (truncated completions excluded when they are masked).</summary>
    public required int Tokens { get; init; }

    /// <summary>Mean total reward.</summary>
    public required double RewardMean { get; init; }

    /// <summary>Standard deviation of the total reward.</summary>
    public required double RewardStd { get; init; }

    /// <summary>Mean and std of each reward function and each named component.</summary>
    public required IReadOnlyDictionary<string, RewardStats> Rewards { get; init; }

    /// <summary>Share of completions a reward judged correct (<see cref="Rewards.RewardOutput.Correct"/>), when some reward judges correctness.</summary>
    public required double? Accuracy { get; init; }

    /// <summary>Share of completions a reward found in the required layout (<see cref="Rewards.RewardOutput.FormatOk"/>), when some reward checks it.</summary>
    public required double? FormatRate { get; init; }

    /// <summary>Mean completion length in tokens.</summary>
    public required double CompletionLengthMean { get; init; }

    /// <summary>Longest completion in tokens.</summary>
    public required int CompletionLengthMax { get; init; }

    /// <summary>Fraction of completions truncated at the length cap (no end-of-sequence token).</summary>
    public required double ClippedRatio { get; init; }

    /// <summary>Mean k3 KL to the reference per token (0 without a reference).</summary>
    public required double Kl { get; init; }

    /// <summary>Mean policy entropy per completion token.</summary>
    public required double? Entropy { get; init; }

    /// <summary>Fraction of tokens whose surrogate is clipped.</summary>
    public required double ClipFraction { get; init; }

    /// <summary>Mean importance ratio.</summary>
    public required double RatioMean { get; init; }

    /// <summary>Smallest importance ratio.</summary>
    public required double RatioMin { get; init; }

    /// <summary>Largest importance ratio.</summary>
    public required double RatioMax { get; init; }

    /// <summary>Fraction of groups with no reward spread (zero advantage).</summary>
    public required double FracRewardZeroStd { get; init; }

    /// <summary>The loss averaged over the step's updates (near 0 with one update per rollout; see <see cref="VisionR1.Grpo.Loss.GrpoLoss"/>).</summary>
    public required double Loss { get; init; }

    /// <summary>Learning rate used.</summary>
    public required double LearningRate { get; init; }

    /// <summary>Gradient norm before clipping (of the last update).</summary>
    public required double GradNorm { get; init; }

    /// <summary>Completion tokens generated per second of the whole step.</summary>
    public required double TokensPerSecond { get; init; }

    /// <summary>Seconds spent generating.</summary>
    public required double GenerationSeconds { get; init; }

    /// <summary>Seconds spent scoring completions.</summary>
    public required double ScoringSeconds { get; init; }

    /// <summary>Seconds spent on the old and reference log-prob passes.</summary>
    public required double LogProbSeconds { get; init; }

    /// <summary>Seconds spent on forward/backward/optimizer updates.</summary>
    public required double TrainingSeconds { get; init; }

    /// <summary>Seconds of the whole step.</summary>
    public required double StepSeconds { get; init; }

    /// <summary>Seconds spent publishing weights to the rollout engine before sampling (0 with an in-process engine).</summary>
    public double WeightSyncSeconds { get; init; }

    /// <summary>The weight version the rollout engine sampled with (null with an in-process engine).</summary>
    public long? RolloutVersion { get; init; }

    /// <summary>Rollout requests sent again after a failure.</summary>
    public int RolloutRetries { get; init; }

    /// <summary>
    /// Mean truncated importance weight min(π_old / π_behaviour, C) over the trained tokens, when the rollout engine samples
    /// from its own weights (null otherwise): 1 when the engine and the trainer agree.
    /// </summary>
    public double? ImportanceWeightMean { get; init; }
}
