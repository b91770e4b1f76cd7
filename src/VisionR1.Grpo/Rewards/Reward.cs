namespace VisionR1.Grpo.Rewards;

/// <summary>Rewards from plain functions of (item, completion, context).</summary>
/// <example>
/// <code>
/// var shortAndRight = Reward.FromFunction("short_right", r =>
///     r.Completion.Contains(r.GroundTruth) ? 1.0 - r.Context.CompletionTokens / (double)(r.Context.MaxCompletionLength ?? 4096) : 0.0);
/// </code>
/// </example>
public static class Reward
{
    /// <summary>A reward named <paramref name="name"/> that scores each completion with <paramref name="score"/> (which must be thread-safe).</summary>
    public static IRewardFunction FromFunction(string name, Func<RewardInput, double> score)
    {
        ArgumentNullException.ThrowIfNull(score);
        return new DelegateReward(name, (input, _) => new RewardOutput(score(input)));
    }

    /// <summary>A reward whose function may return null ("no score": the item is outside its domain).</summary>
    public static IRewardFunction FromFunction(string name, Func<RewardInput, double?> score)
    {
        ArgumentNullException.ThrowIfNull(score);
        return new DelegateReward(name, (input, _) => new RewardOutput(score(input)));
    }

    /// <summary>A reward whose function returns a full <see cref="RewardOutput"/> (components, correctness, format) given the item and its batch index.</summary>
    public static IRewardFunction FromFunction(string name, Func<RewardInput, int, RewardOutput> score) => new DelegateReward(name, score);

    private sealed class DelegateReward : PerItemReward
    {
        private readonly Func<RewardInput, int, RewardOutput> _score;

        public DelegateReward(string name, Func<RewardInput, int, RewardOutput> score)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            Name = name;
            _score = score ?? throw new ArgumentNullException(nameof(score));
        }

        public override string Name { get; }

        protected override RewardOutput ScoreOne(RewardInput input, int index) =>
            _score(input, index) ?? throw new InvalidOperationException($"Reward '{Name}' returned no output for batch item {index}.");
    }
}
