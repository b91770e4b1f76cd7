namespace VisionR1.Grpo.Training;

/// <summary>
/// A deterministic order over a data set: each epoch is a permutation derived from the seed and the
/// epoch number alone, so a resumed run continues with exactly the items a continuous run would have
/// seen (no repeats, no skips). Holds no RNG state besides the cursor.
/// </summary>
public sealed class DataOrder
{
    private readonly int _count;
    private readonly long _seed;
    private readonly bool _shuffle;
    private int[] _order;

    /// <summary>An order over <paramref name="count"/> items starting at <paramref name="cursor"/>.</summary>
    public DataOrder(int count, long seed, bool shuffle = true, DataCursor? cursor = null)
    {
        if (count < 1) throw new ArgumentException("The data set is empty.", nameof(count));
        _count = count;
        _seed = seed;
        _shuffle = shuffle;
        Cursor = cursor ?? new DataCursor();
        if (Cursor.Epoch < 0 || Cursor.Position < 0 || Cursor.Position > count)
            throw new ArgumentOutOfRangeException(nameof(cursor), Cursor, $"The data cursor does not fit a data set of {count} items.");
        _order = Permutation(Cursor.Epoch);
    }

    /// <summary>The position after everything taken so far.</summary>
    public DataCursor Cursor { get; private set; }

    /// <summary>The next <paramref name="n"/> item indices, moving into the next epoch when this one runs out.</summary>
    public int[] Take(int n)
    {
        var result = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (Cursor.Position >= _count)
            {
                Cursor = new DataCursor(Cursor.Epoch + 1, 0);
                _order = Permutation(Cursor.Epoch);
            }
            result[i] = _order[Cursor.Position];
            Cursor = Cursor with { Position = Cursor.Position + 1 };
        }
        return result;
    }

    private int[] Permutation(int epoch)
    {
        var order = Enumerable.Range(0, _count).ToArray();
        if (!_shuffle) return order;
        // System.Random with an explicit seed uses a fixed algorithm, stable across .NET versions.
        var rng = new Random(unchecked((int)(_seed * 1_000_003L + epoch * 7_919L)));
        for (int i = _count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
