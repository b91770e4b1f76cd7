namespace VisionR1.Grpo.Metrics;

/// <summary>Mean and standard deviation of one reward (or reward component) over a step's completions.</summary>
/// <param name="Mean">Mean over the completions that got a score.</param>
/// <param name="Std">Population standard deviation over the same completions.</param>
/// <param name="Count">How many completions got a score.</param>
public sealed record RewardStats(double Mean, double Std, int Count)
{
    /// <summary>Statistics of <paramref name="values"/> (all zero for an empty list).</summary>
    public static RewardStats Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) return new RewardStats(0, 0, 0);
        double mean = values.Average();
        double var = values.Sum(v => (v - mean) * (v - mean)) / values.Count;
        return new RewardStats(mean, Math.Sqrt(var), values.Count);
    }
}
