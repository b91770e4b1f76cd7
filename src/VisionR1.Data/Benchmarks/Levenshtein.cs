namespace VisionR1.Data.Benchmarks;

/// <summary>Edit distance over Unicode code points (as python-Levenshtein computes it on <c>str</c>).</summary>
public static class Levenshtein
{
    /// <summary>The minimum number of single code-point insertions, deletions and substitutions turning <paramref name="a"/> into <paramref name="b"/>.</summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var x = a.EnumerateRunes().Select(r => r.Value).ToArray();
        var y = b.EnumerateRunes().Select(r => r.Value).ToArray();
        if (x.Length == 0) return y.Length;
        if (y.Length == 0) return x.Length;
        var prev = new int[y.Length + 1];
        var cur = new int[y.Length + 1];
        for (int j = 0; j <= y.Length; j++) prev[j] = j;
        for (int i = 1; i <= x.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= y.Length; j++)
            {
                int sub = prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1);
                cur[j] = Math.Min(sub, Math.Min(prev[j] + 1, cur[j - 1] + 1));
            }
            (prev, cur) = (cur, prev);
        }
        return prev[y.Length];
    }

    /// <summary>The first of <paramref name="options"/> at the smallest distance from <paramref name="text"/>.</summary>
    public static int NearestIndex(string text, IReadOnlyList<string> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Count == 0) throw new ArgumentException("no options to choose from", nameof(options));
        int best = 0, bestDistance = int.MaxValue;
        for (int i = 0; i < options.Count; i++)
        {
            int d = Distance(text, options[i]);
            if (d < bestDistance) { best = i; bestDistance = d; }
        }
        return best;
    }
}
