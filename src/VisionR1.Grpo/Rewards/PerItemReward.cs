namespace VisionR1.Grpo.Rewards;

/// <summary>
/// A reward that scores each completion on its own: <see cref="Score"/> runs <see cref="ScoreOne"/>
/// over the batch in parallel (results keep the batch order). Subclasses must be thread-safe.
/// </summary>
public abstract class PerItemReward : IRewardFunction
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <summary>Scores one completion; <paramref name="index"/> is its position in the batch (for error messages).</summary>
    protected abstract RewardOutput ScoreOne(RewardInput input, int index);

    /// <inheritdoc />
    public IReadOnlyList<RewardOutput> Score(IReadOnlyList<RewardInput> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var results = new RewardOutput[batch.Count];
        if (batch.Count <= 2)
        {
            for (int i = 0; i < batch.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                results[i] = ScoreOne(batch[i] ?? throw new ArgumentException($"Batch item {i} is null.", nameof(batch)), i);
            }
            return results;
        }
        Parallel.For(0, batch.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            results[i] = ScoreOne(batch[i] ?? throw new ArgumentException($"Batch item {i} is null.", nameof(batch)), i);
        });
        return results;
    }
}
