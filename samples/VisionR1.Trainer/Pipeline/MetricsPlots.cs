using System.Globalization;
using ScottPlot;
using VisionR1.Grpo.Metrics;

namespace VisionR1.Trainer.Pipeline;

/// <summary>Draws the training curves of metrics.jsonl files (read with <see cref="MetricsFile"/>) as PNG files.</summary>
public static class MetricsPlots
{
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
