using System.Globalization;
using ScottPlot;
using VisionR1.Grpo.Metrics;

namespace VisionR1.Trainer.Reporting;

/// <summary>
/// Draws the training curves of metrics.jsonl files (read with <see cref="MetricsFile"/>) as PNG files: the pipeline's
/// plots at the end of a run, and `vr1 plot` for the metrics of any `vr1 sft`, `vr1 grpo` or pipeline run. Each curve is
/// an exponential moving average drawn over the faint raw points, as TensorBoard and Weights &amp; Biases show them.
/// </summary>
public static class MetricsPlots
{
    /// <summary>
    /// The smoothing factor of the moving average (the weight of the previous average), stated on every plot. 0.9 averages
    /// over roughly the last ten steps: enough to read the trend of a 90-step PTST stage, short enough to follow a switch.
    /// </summary>
    public const double DefaultSmoothing = 0.9;

    /// <summary>The file the evaluation bar chart is written to.</summary>
    public const string EvaluationFileName = "evaluation.png";

    /// <summary>
    /// Draws the standard plots of <paramref name="metricsPath"/> into <paramref name="directory"/>: GRPO mean reward, training
    /// accuracy, completion length and clipped share against step (one curve per run, PTST stage switches dashed and
    /// labelled), and the SFT loss. When a summary.json lies beside the metrics file (as in a pipeline run's folder), its
    /// evaluation table is drawn too (<see cref="DrawEvaluation"/>). Returns the files written (a plot whose metric no point
    /// has is skipped).
    /// </summary>
    public static IReadOnlyList<string> DrawStandard(string metricsPath, string directory, string defaultRun = "run")
    {
        var points = MetricsFile.Read(metricsPath, defaultRun);
        var rl = points.Where(p => p.Values.ContainsKey("reward_mean")).ToList();
        var sft = points.Where(p => !p.Values.ContainsKey("reward_mean")).Select(p => p with { Stage = null }).ToList();
        Directory.CreateDirectory(directory);
        var plots = new (IReadOnlyList<MetricPoint> Points, string Metric, string Title, string YLabel, string File)[]
        {
            (rl, "reward_mean", "GRPO mean reward", "mean reward", "reward.png"),
            (rl, "accuracy", "GRPO training accuracy", "accuracy of the sampled completions", "accuracy.png"),
            (rl, "completion_length_mean", "Mean completion length", "tokens", "completion_length.png"),
            (rl, "clipped_ratio", "Share of completions clipped at the length cap", "share clipped", "clipped_ratio.png"),
            (sft, "loss", "SFT loss (base pre-training, cold-start SFT)", "loss", "sft_loss.png"),
        };
        var written = plots.Where(p => Draw(p.Points, p.Metric, p.Title, Path.Combine(directory, p.File), yLabel: p.YLabel))
            .Select(p => Path.Combine(directory, p.File)).ToList();
        var summary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(metricsPath))!, "summary.json");
        var evaluation = Path.Combine(directory, EvaluationFileName);
        if (File.Exists(summary) && DrawEvaluation(EvaluationBar.ReadSummary(summary), evaluation)) written.Add(evaluation);
        return written;
    }

    /// <summary>
    /// Draws <paramref name="metric"/> against step, one curve per run: the raw values as faint points and their
    /// exponential moving average (<paramref name="smoothing"/>, restarted at each stage switch) as a line, with a dashed
    /// vertical line where a run's stage changes and each stage labelled inside the plot area (with its completion-length
    /// cap and group size where the metrics hold them). Returns false (and draws nothing) when no point has the metric.
    /// </summary>
    public static bool Draw(IReadOnlyList<MetricPoint> points, string metric, string title, string path, int width = 900, int height = 500,
        double smoothing = DefaultSmoothing, string? yLabel = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(smoothing);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(smoothing, 1.0);
        var runs = points.Where(p => p.Values.ContainsKey(metric)).GroupBy(p => p.Run).ToList();
        if (runs.Count == 0) return false;
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        double top = runs.SelectMany(r => r).Max(p => p.Values[metric]);
        double bottom = runs.SelectMany(r => r).Min(p => p.Values[metric]);
        double first = runs.SelectMany(r => r).Min(p => p.Step), last = runs.SelectMany(r => r).Max(p => p.Step);
        int colorIndex = 0;
        foreach (var run in runs)
        {
            var ordered = run.OrderBy(p => p.Step).ToList();
            var color = palette.GetColor(colorIndex++);
            double[] steps = ordered.Select(p => (double)p.Step).ToArray();
            double[] raw = ordered.Select(p => p.Values[metric]).ToArray();

            var rawPoints = plot.Add.Scatter(steps, raw);
            rawPoints.Color = color.WithAlpha(0.25);
            rawPoints.LineWidth = 0;
            rawPoints.MarkerSize = 4;

            // The average restarts at each stage switch, so each stage gets a line of its own.
            var starts = StageStarts(ordered);
            double[] average = MovingAverage.Exponential(raw, starts, smoothing);
            for (int s = 0; s < starts.Count; s++)
            {
                int from = starts[s], to = s + 1 < starts.Count ? starts[s + 1] : ordered.Count;
                var smooth = plot.Add.Scatter(steps[from..to], average[from..to]);
                smooth.Color = color;
                smooth.LineWidth = 2;
                smooth.MarkerSize = to - from == 1 ? 5 : 0;
                if (s == 0) smooth.LegendText = $"{run.Key} (EMA {smoothing.ToString("0.###", CultureInfo.InvariantCulture)}; raw points faint)";
            }

            foreach (int start in starts)
            {
                if (ordered[start].Stage is null) continue;
                if (start > 0)
                {
                    var switchLine = plot.Add.VerticalLine(ordered[start].Step);
                    switchLine.Color = color.WithAlpha(0.6);
                    switchLine.LinePattern = LinePattern.Dashed;
                }
                // Inside the plot area, at the top of the data, just right of the switch: never over the axis' tick labels.
                var label = plot.Add.Text(StageLabel(ordered[start]), ordered[start].Step, top);
                label.LabelFontSize = 12;
                label.LabelFontColor = color.WithAlpha(0.9);
                bool nearRightEdge = last > first && ordered[start].Step > first + 0.8 * (last - first);
                label.LabelAlignment = nearRightEdge ? Alignment.UpperRight : Alignment.UpperLeft;
                label.LabelOffsetX = nearRightEdge ? -4 : 4;
            }
        }
        // Head-room above the data for the stage labels.
        double span = Math.Max(top - bottom, Math.Abs(top) * 0.1 + 1e-9);
        plot.Axes.SetLimitsY(bottom - 0.05 * span, top + 0.15 * span);
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel(yLabel ?? metric);
        // The legend goes in the right-hand corner the curves end away from.
        var tail = runs.SelectMany(r => r.OrderBy(p => p.Step).TakeLast(Math.Max(1, r.Count() / 5))).Select(p => p.Values[metric]).ToList();
        plot.ShowLegend(tail.Average() > (top + bottom) / 2 ? Alignment.LowerRight : Alignment.UpperRight);
        plot.SavePng(path, width, height);
        return true;
    }

    /// <summary>
    /// Draws a run's evaluation table as a bar chart: one bar per model stage with its accuracy and the whiskers of its 95%
    /// confidence interval, the value written above each bar. Returns false (and draws nothing) when there are no bars.
    /// </summary>
    public static bool DrawEvaluation(IReadOnlyList<EvaluationBar> bars, string path, int width = 900, int height = 500)
    {
        if (bars.Count == 0) return false;
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var drawn = bars.Select((b, i) => new Bar
        {
            Position = i,
            Value = 100 * b.Accuracy,
            FillColor = palette.GetColor(i),
        }).ToList();
        plot.Add.Bars(drawn);
        // The Wilson interval is not symmetric around the accuracy, so its whiskers are drawn as lines.
        for (int i = 0; i < bars.Count; i++)
        {
            double lower = 100 * bars[i].CiLower, upper = 100 * bars[i].CiUpper;
            foreach (var (x1, y1, x2, y2) in new[] { (i, lower, i, upper), (i - 0.12, lower, i + 0.12, lower), (i - 0.12, upper, i + 0.12, upper) })
            {
                var whisker = plot.Add.Line(x1, y1, x2, y2);
                whisker.Color = Colors.Black;
                whisker.LineWidth = 1.5f;
            }
            var value = plot.Add.Text((100 * bars[i].Accuracy).ToString("0.0", CultureInfo.InvariantCulture), i, upper);
            value.LabelFontSize = 14;
            value.LabelBold = true;
            value.LabelAlignment = Alignment.LowerCenter;
            value.LabelOffsetY = -4;
        }
        plot.Axes.Bottom.TickLabelStyle.FontSize = 14;
        plot.Axes.Bottom.SetTicks(bars.Select((_, i) => (double)i).ToArray(), bars.Select(b => b.Name).ToArray());
        plot.Axes.SetLimitsY(0, Math.Min(100, Math.Max(10, bars.Max(b => 100 * b.CiUpper) * 1.12 + 3)));
        int items = bars.Max(b => b.Items);
        plot.Title($"Held-out accuracy per model ({items:N0} items; whiskers: 95% Wilson interval)");
        plot.YLabel("accuracy (%)");
        plot.SavePng(path, width, height);
        return true;
    }

    private static List<int> StageStarts(IReadOnlyList<MetricPoint> ordered)
    {
        var starts = new List<int>();
        for (int i = 0; i < ordered.Count; i++)
            if (i == 0 || ordered[i].Stage != ordered[i - 1].Stage) starts.Add(i);
        return starts;
    }

    private static string StageLabel(MetricPoint first)
    {
        string name = int.TryParse(first.Stage, NumberStyles.Integer, CultureInfo.InvariantCulture, out int index)
            ? $"stage {index + 1}"
            : $"stage {first.Stage}";
        return first.Values.TryGetValue("max_completion_length", out double cap) && first.Values.TryGetValue("group_size", out double group)
            ? FormattableString.Invariant($"{name}: {cap:0}×{group:0}")
            : name;
    }
}
