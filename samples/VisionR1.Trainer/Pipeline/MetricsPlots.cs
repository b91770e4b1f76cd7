using System.Globalization;
using System.Text.Json;
using ScottPlot;

namespace VisionR1.Trainer.Pipeline;

/// <summary>One training step's metrics as read back from a metrics.jsonl line.</summary>
/// <param name="Run">Which run the line belongs to (e.g. "vision_r1", "zero").</param>
/// <param name="Step">The global step.</param>
/// <param name="Stage">The PTST stage index or name, or null.</param>
/// <param name="Values">Every numeric field of the line.</param>
public sealed record MetricPoint(string Run, int Step, string? Stage, IReadOnlyDictionary<string, double> Values);

/// <summary>Reads metrics.jsonl files and draws the training curves as PNG files.</summary>
public static class MetricsPlots
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
    /// Draws <paramref name="metric"/> against step, one line per run, with a dashed vertical
    /// line where a run's stage changes. Returns false (and draws nothing) when no point has the metric.
    /// </summary>
    public static bool Draw(IReadOnlyList<MetricPoint> points, string metric, string title, string path, int width = 900, int height = 500)
    {
        var runs = points.Where(p => p.Values.ContainsKey(metric)).GroupBy(p => p.Run).ToList();
        if (runs.Count == 0) return false;
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int colorIndex = 0;
        foreach (var run in runs)
        {
            var ordered = run.OrderBy(p => p.Step).ToList();
            var color = palette.GetColor(colorIndex++);
            var line = plot.Add.Scatter(ordered.Select(p => (double)p.Step).ToArray(), ordered.Select(p => p.Values[metric]).ToArray());
            line.LegendText = run.Key;
            line.Color = color;
            line.MarkerSize = 3;
            for (int i = 1; i < ordered.Count; i++)
            {
                if (ordered[i].Stage == ordered[i - 1].Stage) continue;
                var switchLine = plot.Add.VerticalLine(ordered[i].Step);
                switchLine.Color = color.WithAlpha(0.6);
                switchLine.LinePattern = LinePattern.Dashed;
                switchLine.Text = "stage " + ordered[i].Stage;
            }
        }
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel(metric);
        plot.ShowLegend();
        plot.SavePng(path, width, height);
        return true;
    }

    /// <summary>Formats a value for tables with invariant culture.</summary>
    public static string F(double value, int digits = 3) => value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
