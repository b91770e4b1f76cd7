namespace VisionR1.Trainer.Reporting;

/// <summary>The smoothing drawn over a training curve's raw points.</summary>
public static class MovingAverage
{
    /// <summary>
    /// The exponential moving average of <paramref name="values"/> with weight <paramref name="smoothing"/> on the previous
    /// average, debiased as TensorBoard's smoothing is (the first value is not pulled towards zero), and restarted at each
    /// index in <paramref name="restarts"/> (a PTST stage switch changes what a step measures, so the average does not carry
    /// across it). Non-finite values are passed through and left out of the average.
    /// </summary>
    public static double[] Exponential(IReadOnlyList<double> values, IEnumerable<int> restarts, double smoothing)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(smoothing);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(smoothing, 1.0);
        var restartAt = restarts.ToHashSet();
        var result = new double[values.Count];
        double average = 0, weight = 0;
        for (int i = 0; i < values.Count; i++)
        {
            if (restartAt.Contains(i)) (average, weight) = (0, 0);
            double v = values[i];
            if (!double.IsFinite(v))
            {
                result[i] = v;
                continue;
            }
            average = smoothing * average + (1 - smoothing) * v;
            weight = smoothing * weight + (1 - smoothing);
            result[i] = average / weight;
        }
        return result;
    }
}
