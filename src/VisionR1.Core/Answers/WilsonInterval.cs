namespace VisionR1.Answers;

/// <summary>
/// The Wilson score interval of an accuracy (a binomial proportion): better behaved than the normal approximation near
/// 0 and 1 and for small counts. The one definition the benchmark reports and the local evaluation use.
/// </summary>
public static class WilsonInterval
{
    /// <summary>The z of a two-sided 95% interval: the standard normal distribution's 0.975 quantile.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>
    /// The interval of <paramref name="correct"/> of <paramref name="total"/> at the coverage whose two-sided normal
    /// quantile is <paramref name="z"/> (95% by default), clamped to [0, 1]; (0, 1) when nothing was scored.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="total"/> is negative or <paramref name="correct"/> is outside [0, total].</exception>
    public static (double Lower, double Upper) Of(long correct, long total, double z = Z95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        if (correct < 0 || correct > total) throw new ArgumentOutOfRangeException(nameof(correct), $"correct must be in [0, {total}]");
        if (total == 0) return (0, 1);
        double n = total, p = correct / n, z2 = z * z;
        double denom = 1 + z2 / n;
        double center = (p + z2 / (2 * n)) / denom;
        double half = z / denom * System.Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return (System.Math.Max(0, center - half), System.Math.Min(1, center + half));
    }
}
