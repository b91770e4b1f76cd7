using VisionR1.Data.Records;
using VisionR1.Problems;

namespace VisionR1.Data.Readers;

/// <summary>Opens a problem file by its extension: <c>.parquet</c> (Hugging Face layouts) or JSON Lines.</summary>
public static class ProblemSource
{
    /// <summary>Streams the problems of <paramref name="path"/>.</summary>
    public static IAsyncEnumerable<MathProblem> Open(string path, ReadOptions? options = null, ReadReport? report = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"problem file '{path}' not found", path);
        return path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)
            ? HfParquet.ReadAsync(path, HfParquetSchema.Auto, options, report, cancellationToken)
            : MathProblemJsonl.ReadAsync(path, options, report, cancellationToken);
    }

    /// <summary>Reads every problem of <paramref name="path"/> (bad lines skipped and counted in <paramref name="report"/>, unless strict).</summary>
    /// <exception cref="InvalidDataException">The file holds no readable problem.</exception>
    public static async Task<List<MathProblem>> ReadAllAsync(string path, ReadOptions? options = null, ReadReport? report = null, CancellationToken cancellationToken = default)
    {
        var list = new List<MathProblem>();
        await foreach (var p in Open(path, options, report, cancellationToken).ConfigureAwait(false)) list.Add(p);
        if (list.Count == 0) throw new InvalidDataException($"{path}: no readable problems.");
        return list;
    }
}
