using ScottPlot;
using VisionR1.Grpo.Metrics;

namespace VisionR1.Trainer.Reporting;

/// <summary>
/// Draws the training curves of metrics.jsonl files (read with <see cref="MetricsFile"/>) as PNG files: the pipeline's
/// plots at the end of a run, and `vr1 plot` for the metrics of any `vr1 sft`, `vr1 grpo` or pipeline run.
/// </summary>
public static class MetricsPlots
{
    /// <summary>
    /// Draws the standard plots of <paramref name="metricsPath"/> into <paramref name="directory"/>: GRPO mean reward, training
    /// accuracy, completion length and clipped share against step (one line per run, stage switches dashed), and the SFT loss.
    /// Returns the files written (a plot whose metric no point has is skipped).
    /// </summary>
    public static IReadOnlyList<string> DrawStandard(string metricsPath, string directory, string defaultRun = "run")
    {
        var points = MetricsFile.Read(metricsPath, defaultRun);
        var rl = points.Where(p => p.Values.ContainsKey("reward_mean")).ToList();
        var sft = points.Where(p => !p.Values.ContainsKey("reward_mean")).Select(p => p with { Stage = null }).ToList();
        Directory.CreateDirectory(directory);
        var plots = new (IReadOnlyList<MetricPoint> Points, string Metric, string Title, string File)[]
        {
            (rl, "reward_mean", "GRPO mean reward", "reward.png"),
            (rl, "accuracy", "GRPO training accuracy", "accuracy.png"),
            (rl, "completion_length_mean", "Mean completion length (tokens)", "completion_length.png"),
            (rl, "clipped_ratio", "Share of completions clipped at the length cap", "clipped_ratio.png"),
            (sft, "loss", "SFT loss (base pre-training, cold-start SFT)", "sft_loss.png"),
        };
        return plots.Where(p => Draw(p.Points, p.Metric, p.Title, Path.Combine(directory, p.File))).Select(p => Path.Combine(directory, p.File)).ToList();
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
}
