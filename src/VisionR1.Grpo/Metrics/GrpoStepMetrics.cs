namespace VisionR1.Grpo.Metrics;

/// <summary>What one GRPO step did; one JSONL line of <c>metrics.jsonl</c> (snake_case field names).</summary>
/// <param name="Step">The 1-based step number.</param>
/// <param name="Stage">The index of the stage the step ran in.</param>
/// <param name="StageName">The stage's label, or null.</param>
/// <param name="GroupSize">Completions per prompt in this step.</param>
/// <param name="MaxCompletionLength">The completion-length cap in this step.</param>
/// <param name="Temperature">The sampling temperature.</param>
/// <param name="Prompts">Prompts whose groups were trained on (after dynamic sampling).</param>
/// <param name="PromptsSampled">Prompts drawn from the data, including refills.</param>
/// <param name="Completions">Completions trained on.</param>
/// <param name="Tokens">Completion tokens the loss counted (truncated completions excluded when they are masked).</param>
/// <param name="RewardMean">Mean total reward.</param>
/// <param name="RewardStd">Standard deviation of the total reward.</param>
/// <param name="Rewards">Mean and std of each reward function and each named component.</param>
/// <param name="Accuracy">Mean of the "accuracy" component, when some reward reports one.</param>
/// <param name="FormatRate">Mean of the "format" component, when some reward reports one.</param>
/// <param name="CompletionLengthMean">Mean completion length in tokens.</param>
/// <param name="CompletionLengthMax">Longest completion in tokens.</param>
/// <param name="ClippedRatio">Fraction of completions truncated at the length cap (no end-of-sequence token).</param>
/// <param name="Kl">Mean k3 KL to the reference per token (0 without a reference).</param>
/// <param name="Entropy">Mean policy entropy per completion token.</param>
/// <param name="ClipFraction">Fraction of tokens whose surrogate is clipped.</param>
/// <param name="RatioMean">Mean importance ratio.</param>
/// <param name="RatioMin">Smallest importance ratio.</param>
/// <param name="RatioMax">Largest importance ratio.</param>
/// <param name="FracRewardZeroStd">Fraction of groups with no reward spread (zero advantage).</param>
/// <param name="Loss">The loss averaged over the step's updates (near 0 with one update per rollout; see <see cref="Loss.GrpoLoss"/>).</param>
/// <param name="LearningRate">Learning rate used.</param>
/// <param name="GradNorm">Gradient norm before clipping (of the last update).</param>
/// <param name="TokensPerSecond">Completion tokens generated per second of the whole step.</param>
/// <param name="GenerationSeconds">Seconds spent generating.</param>
/// <param name="ScoringSeconds">Seconds spent scoring completions.</param>
/// <param name="LogProbSeconds">Seconds spent on the old and reference log-prob passes.</param>
/// <param name="TrainingSeconds">Seconds spent on forward/backward/optimizer updates.</param>
/// <param name="StepSeconds">Seconds of the whole step.</param>
public sealed record GrpoStepMetrics(
    long Step,
    int Stage,
    string? StageName,
    int GroupSize,
    int MaxCompletionLength,
    double Temperature,
    int Prompts,
    int PromptsSampled,
    int Completions,
    int Tokens,
    double RewardMean,
    double RewardStd,
    IReadOnlyDictionary<string, RewardStats> Rewards,
    double? Accuracy,
    double? FormatRate,
    double CompletionLengthMean,
    int CompletionLengthMax,
    double ClippedRatio,
    double Kl,
    double? Entropy,
    double ClipFraction,
    double RatioMean,
    double RatioMin,
    double RatioMax,
    double FracRewardZeroStd,
    double Loss,
    double LearningRate,
    double GradNorm,
    double TokensPerSecond,
    double GenerationSeconds,
    double ScoringSeconds,
    double LogProbSeconds,
    double TrainingSeconds,
    double StepSeconds);
