using System.Globalization;
using MathNet.Numerics.Distributions;
using VisionR1.Answers;

namespace VisionR1.Data.Benchmarks;

/// <summary>
/// An accuracy with its Wilson score confidence interval (<see cref="WilsonInterval"/>), so that a difference
/// between two models comes with its uncertainty.
/// </summary>
/// <param name="Correct">Items judged correct.</param>
/// <param name="Total">Items scored.</param>
/// <param name="Lower">Lower end of the interval.</param>
/// <param name="Upper">Upper end of the interval.</param>
/// <param name="Confidence">Coverage of the interval (0.95 by default).</param>
public sealed record AccuracyEstimate(long Correct, long Total, double Lower, double Upper, double Confidence)
{
    /// <summary>Correct / Total (0 when nothing was scored).</summary>
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    /// <summary>The estimate for <paramref name="correct"/> of <paramref name="total"/> with a <see cref="WilsonInterval"/> at <paramref name="confidence"/>.</summary>
    public static AccuracyEstimate FromCounts(long correct, long total, double confidence = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        if (correct < 0 || correct > total) throw new ArgumentOutOfRangeException(nameof(correct), $"correct must be in [0, {total}]");
        if (confidence is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(confidence));
        if (total == 0) return new AccuracyEstimate(0, 0, 0, 1, confidence);
        var (lower, upper) = WilsonInterval.Of(correct, total, Normal.InvCDF(0, 1, 1 - (1 - confidence) / 2));
        return new AccuracyEstimate(correct, total, lower, upper, confidence);
    }

    /// <summary>E.g. <c>73.50% (735/1000, 95% CI 70.68–76.14%)</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Accuracy * 100:F2}% ({Correct}/{Total}, {Confidence * 100:0.#}% CI {Lower * 100:F2}–{Upper * 100:F2}%)");
}
