using System.Text.Json;
using VisionR1.Data.Readers;
using VisionR1.Data.Records;
using VisionR1.Problems;

namespace VisionR1.Data.ColdStart;

/// <summary>Reads the JSONL output of <see cref="ColdStartPipeline"/> back into <see cref="ColdStartRecord"/>s (images resolved under the file's folder).</summary>
public static class ColdStartRecordJsonl
{
    /// <summary>Streams the records; malformed lines are skipped and counted (or throw when strict).</summary>
    public static IAsyncEnumerable<ColdStartRecord> ReadAsync(string path, ReadOptions? options = null, ReadReport? report = null, CancellationToken cancellationToken = default)
    {
        options ??= new ReadOptions();
        var root = options.DataRoot ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
        return JsonlFile.ReadAsync(path, (e, loc) => Parse(e, root, options.RequireImageFiles, loc), options.Strict, report, cancellationToken);
    }

    private static ColdStartRecord Parse(JsonElement e, string root, bool requireImages, string location)
    {
        var images = new List<ImageRef>();
        foreach (var rel in JsonLines.StringList(e, "images") ?? [])
        {
            string full;
            try { full = DataRoot.Resolve(root, rel); }
            catch (ArgumentException ex) { throw new DataFormatException(location, ex.Message); }
            if (requireImages && !File.Exists(full)) throw new DataFormatException(location, $"image file '{rel}' not found");
            images.Add(new ImageRef(full, null));
        }
        return new ColdStartRecord(
            JsonLines.RequireString(e, "id"), JsonLines.RequireString(e, "question"), JsonLines.RequireString(e, "answer"), images,
            JsonLines.String(e, "pseudo_cot") ?? "", JsonLines.String(e, "description") ?? "", JsonLines.RequireString(e, "response"),
            JsonLines.TryGet(e, "input_tokens", out var i) ? i.GetInt64() : 0, JsonLines.TryGet(e, "output_tokens", out var o) ? o.GetInt64() : 0);
    }
}
