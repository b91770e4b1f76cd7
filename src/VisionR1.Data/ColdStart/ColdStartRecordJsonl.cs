using System.Text.Json;
using VisionR1.Data.Readers;
using VisionR1.Data.Records;
using VisionR1.Problems;

namespace VisionR1.Data.ColdStart;

/// <summary>
/// Reads the JSONL output of <see cref="ColdStartPipeline"/> back into <see cref="ColdStartRecord"/>s (images resolved under the
/// file's folder). A line holds the problem's fields as <see cref="MathProblemJsonl"/> writes them plus <c>pseudo_cot</c>,
/// <c>description</c>, <c>response</c> and token counts; files written before the records kept choices, answer type, precision,
/// unit and metadata still read (those facts are then absent).
/// </summary>
public static class ColdStartRecordJsonl
{
    /// <summary>Streams the records; malformed lines are skipped and counted (or throw when strict).</summary>
    public static IAsyncEnumerable<ColdStartRecord> ReadAsync(string path, ReadOptions? options = null, ReadReport? report = null, CancellationToken cancellationToken = default)
    {
        options ??= new ReadOptions();
        var root = options.DataRoot ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
        return JsonlFile.ReadAsync(path, (e, loc) => Parse(e, root, options.RequireImageFiles, loc), options.Strict, report, cancellationToken);
    }

    private static ColdStartRecord Parse(JsonElement e, string root, bool requireImages, string location) =>
        new(MathProblemJsonl.Parse(e, root, requireImages, location),
            JsonLines.String(e, "pseudo_cot") ?? "", JsonLines.String(e, "description") ?? "", JsonLines.RequireString(e, "response"),
            JsonLines.TryGet(e, "input_tokens", out var i) ? i.GetInt64() : 0, JsonLines.TryGet(e, "output_tokens", out var o) ? o.GetInt64() : 0);
}
