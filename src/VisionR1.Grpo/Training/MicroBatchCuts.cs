namespace VisionR1.Grpo.Training;

/// <summary>How a step's length-sorted rows are cut into micro-batches of even padded size (SFT and GRPO, when balanced).</summary>
internal static class MicroBatchCuts
{
    /// <summary>
    /// Sizes of <paramref name="count"/> consecutive, non-empty groups of the ascending <paramref name="lengths"/>, each of at most
    /// <paramref name="maxRows"/> rows, whose largest padded size (rows × the group's last length) is as small as possible; among
    /// equal splits the earliest cuts win. Exact, by dynamic programming over the cut points (a step has tens or hundreds of rows).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1 or above the rows, or the rows do not fit in <paramref name="count"/> × <paramref name="maxRows"/>.</exception>
    public static IReadOnlyList<int> Balanced(IReadOnlyList<int> lengths, int count, int maxRows = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        int n = lengths.Count;
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, n);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        if ((long)count * maxRows < n)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"{n} rows do not fit in {count} groups of at most {maxRows}.");
        // best[g, i]: the smallest largest group over the first i rows cut into g groups; from[g, i]: where the last group starts.
        var best = new long[count + 1, n + 1];
        var from = new int[count + 1, n + 1];
        for (int g = 0; g <= count; g++)
            for (int i = 0; i <= n; i++) best[g, i] = long.MaxValue;
        best[0, 0] = 0;
        for (int g = 1; g <= count; g++)
            for (int i = g; i <= n; i++)
                for (int j = Math.Max(g - 1, i - maxRows); j < i; j++)
                {
                    if (best[g - 1, j] == long.MaxValue) continue;
                    long cost = Math.Max(best[g - 1, j], (long)(i - j) * lengths[i - 1]);
                    if (cost < best[g, i]) { best[g, i] = cost; from[g, i] = j; }
                }
        var sizes = new int[count];
        for (int g = count, i = n; g >= 1; g--)
        {
            int j = from[g, i];
            sizes[g - 1] = i - j;
            i = j;
        }
        return sizes;
    }
}
