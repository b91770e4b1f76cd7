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
}
