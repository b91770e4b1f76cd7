namespace VisionR1.Grpo.Rewards;

/// <summary>One completion to score.</summary>
/// <param name="Prompt">The prompt text the completion answers (without images).</param>
/// <param name="Completion">The generated text.</param>
/// <param name="GroundTruth">The data set's answer.</param>
/// <param name="Extra">Any further fields of the data item (choices, precision, ...), or null.</param>
public sealed record RewardInput(string Prompt, string Completion, string GroundTruth, IReadOnlyDictionary<string, object?>? Extra = null);

/// <summary>A reward's verdict on one completion.</summary>
/// <param name="Score">The reward, or null for "no score" (the item is outside this reward's domain).</param>
/// <param name="Components">Named parts of the score (e.g. format, accuracy), logged separately.</param>
public sealed record RewardOutput(double? Score, IReadOnlyDictionary<string, double> Components);

/// <summary>
/// A reward: a batch of completions in, one output per completion out. Implementations are
/// thread-safe, so a trainer may score a batch in parallel.
/// </summary>
public interface IRewardFunction
{
    /// <summary>The name used in metrics.</summary>
    string Name { get; }

    /// <summary>Scores each input; the result has one entry per input, in order.</summary>
    IReadOnlyList<RewardOutput> Score(IReadOnlyList<RewardInput> batch, CancellationToken cancellationToken = default);
}
