using System.Text.Json;
using System.Text.Json.Nodes;
using VisionR1.IO;

namespace VisionR1.Grpo.Metrics;

/// <summary>Reads metrics.jsonl files back (for plots and reports) and merges the files of several runs into one.</summary>
public static class MetricsFile
{
    /// <summary>Reads every line of <paramref name="path"/>; <paramref name="run"/> labels lines without a "run" field.</summary>
    public static List<MetricPoint> Read(string path, string run)
    {
        var points = new List<MetricPoint>();
        if (!File.Exists(path)) return points;
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{lineNo}: not a JSON object ({e.Message}).", e);
            }
            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("step", out var stepEl) || !stepEl.TryGetInt32(out var step))
                    continue;
                string? stage = root.TryGetProperty("stage", out var st) ? st.ToString() : null;
                string lineRun = root.TryGetProperty("run", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : run;
                var values = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (var p in root.EnumerateObject())
                    if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetDouble(out var v) && double.IsFinite(v))
                        values[p.Name] = v;
                points.Add(new MetricPoint(lineRun, step, stage, values));
            }
        }
        return points;
    }

    /// <summary>
    /// Writes the step lines of each run's metrics file (runs without a file are skipped) into <paramref name="outputPath"/>,
    /// each line with a <c>"run"</c> field naming its run, atomically.
    /// </summary>
    public static void Merge(IEnumerable<(string Run, string Path)> runs, string outputPath)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var lines = new List<string>();
        foreach (var (run, file) in runs)
        {
            if (!File.Exists(file)) continue;
            foreach (var line in File.ReadLines(file))
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                if (JsonNode.Parse(line) is not JsonObject obj) continue;
                obj["run"] = run;
                lines.Add(obj.ToJsonString());
            }
        }
        AtomicFile.WriteAllText(outputPath, string.Join('\n', lines) + (lines.Count > 0 ? "\n" : ""));
    }
}
