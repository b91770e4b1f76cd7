namespace VisionR1.Data.Readers;

/// <summary>One skipped item.</summary>
/// <param name="Location">File and line or row.</param>
/// <param name="Reason">Why it was skipped.</param>
public sealed record SkippedItem(string Location, string Reason);

/// <summary>What a read produced: items read and items skipped (with where and why). Thread-safe.</summary>
public sealed class ReadReport
{
    private readonly List<SkippedItem> _skipped = [];
    private readonly Lock _gate = new();
    private int _read;

    /// <summary>Items read successfully.</summary>
    public int Read => Volatile.Read(ref _read);

    /// <summary>Items skipped, in the order they were met.</summary>
    public IReadOnlyList<SkippedItem> Skipped
    {
        get { lock (_gate) return _skipped.ToArray(); }
    }

    /// <summary>Counts one item read.</summary>
    public void CountRead() => Interlocked.Increment(ref _read);

    /// <summary>Records one skipped item: where (<c>file:line</c>) and why.</summary>
    public void Skip(string location, string reason)
    {
        lock (_gate) _skipped.Add(new SkippedItem(location, reason));
    }

    /// <summary>A one-line summary.</summary>
    public override string ToString() => $"{Read} read, {Skipped.Count} skipped";
}
