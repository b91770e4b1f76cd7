using VisionR1.Grpo.Metrics;
using VisionR1.Trainer.Reporting;

namespace VisionR1.Tests.Cli;

public sealed class MetricsPlotsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-plots-");

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public void Metrics_plot_is_written_with_stage_switches()
    {
        var path = Path.Combine(_dir.FullName, "metrics.jsonl");
        File.WriteAllLines(path,
        [
            """{"step":1,"stage":0,"reward_mean":0.1}""",
            """{"step":2,"stage":0,"reward_mean":0.2}""",
            """{"step":3,"stage":1,"reward_mean":0.4}""",
            """{"note":"no step here"}""",
        ]);
        var points = MetricsFile.Read(path, "vision_r1");
        Assert.Equal(3, points.Count);
        var png = Path.Combine(_dir.FullName, "reward.png");
        Assert.True(MetricsPlots.Draw(points, "reward_mean", "reward", png));
        var bytes = File.ReadAllBytes(png);
        Assert.True(bytes.Length > 1000);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        Assert.False(MetricsPlots.Draw(points, "absent_metric", "x", Path.Combine(_dir.FullName, "none.png")));
    }

    [Fact]
    public async Task Vr1_plot_draws_the_standard_plots_of_a_metrics_file()
    {
        var path = Path.Combine(_dir.FullName, "metrics.jsonl");
        File.WriteAllLines(path,
        [
            """{"run":"vision_r1","step":1,"stage":0,"reward_mean":0.1,"accuracy":0.2,"completion_length_mean":50,"clipped_ratio":0.1}""",
            """{"run":"vision_r1","step":2,"stage":1,"reward_mean":0.3,"accuracy":0.4,"completion_length_mean":70,"clipped_ratio":0.0}""",
            """{"run":"ci","step":1,"loss":2.5}""",
        ]);
        var output = Path.Combine(_dir.FullName, "out");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await VisionR1.Trainer.Cli.CommandLine.RunAsync(["plot", "--metrics", path, "--out", output], stdout, stderr, CancellationToken.None);
        Assert.True(code == 0, stderr.ToString());
        Assert.Equal(["accuracy.png", "clipped_ratio.png", "completion_length.png", "reward.png", "sft_loss.png"],
            Directory.GetFiles(output).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray());

        File.WriteAllLines(path, ["""{"note":"nothing to draw"}"""]);
        Assert.Equal(1, await VisionR1.Trainer.Cli.CommandLine.RunAsync(["plot", "--metrics", path, "--out", output], stdout, stderr, CancellationToken.None));
        Assert.Equal(2, await VisionR1.Trainer.Cli.CommandLine.RunAsync(["plot", "--metrics", Path.Combine(_dir.FullName, "absent.jsonl")], stdout, stderr, CancellationToken.None));
    }

    [Fact]
    public void Moving_average_is_debiased_and_restarts_at_stage_switches()
    {
        double[] values = [0, 1, 1, 5];
        var smoothed = MovingAverage.Exponential(values, [0], 0.5);
        Assert.Equal(0, smoothed[0], 12);
        Assert.Equal(2.0 / 3.0, smoothed[1], 12); // (0.5·0.5·0 + 0.5·1) / (1 − 0.5²)
        Assert.Equal(6.0 / 7.0, smoothed[2], 12);
        var restarted = MovingAverage.Exponential(values, [0, 3], 0.5);
        Assert.Equal(5, restarted[3], 12); // a new stage starts from its own first value
        Assert.Equal([3.0, 3.0, 3.0], MovingAverage.Exponential([3.0, 3.0, 3.0], [], 0.9).Select(v => Math.Round(v, 12)));
        Assert.Equal(values, MovingAverage.Exponential(values, [], 0.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MovingAverage.Exponential(values, [], 1.0));
    }

    [Fact]
    public void Evaluation_bars_are_read_from_summary_stages_in_file_order()
    {
        var summary = Path.Combine(_dir.FullName, "summary.json");
        File.WriteAllText(summary, """
            {"stages": {
              "base": {"items": 1000, "accuracy": 0.468, "ci_lower": 0.437, "ci_upper": 0.499},
              "ci": {"items": 1000, "accuracy": 0.575, "ci_lower": 0.544, "ci_upper": 0.605},
              "broken": {"items": 1000, "accuracy": 0.5},
              "vision_r1": {"items": 1000, "accuracy": 0.629, "ci_lower": 0.599, "ci_upper": 0.658}},
             "test_items": 1000}
            """);
        var bars = EvaluationBar.ReadSummary(summary);
        Assert.Equal(["base", "ci", "vision_r1"], bars.Select(b => b.Name));
        Assert.Equal(new EvaluationBar("ci", 0.575, 0.544, 0.605, 1000), bars[1]);

        var png = Path.Combine(_dir.FullName, "evaluation.png");
        Assert.True(MetricsPlots.DrawEvaluation(bars, png));
        Assert.True(new FileInfo(png).Length > 1000);
        Assert.False(MetricsPlots.DrawEvaluation([], Path.Combine(_dir.FullName, "none.png")));
    }

    [Fact]
    public void Standard_plots_add_the_evaluation_chart_when_a_summary_lies_beside_the_metrics()
    {
        var metrics = Path.Combine(_dir.FullName, "metrics.jsonl");
        File.WriteAllLines(metrics,
        [
            """{"run":"vision_r1","step":1,"stage":0,"max_completion_length":128,"group_size":8,"reward_mean":0.1,"accuracy":0.2}""",
            """{"run":"vision_r1","step":2,"stage":1,"max_completion_length":256,"group_size":4,"reward_mean":0.3,"accuracy":0.4}""",
        ]);
        File.WriteAllText(Path.Combine(_dir.FullName, "summary.json"),
            """{"stages": {"base": {"items": 12, "accuracy": 0.25, "ci_lower": 0.09, "ci_upper": 0.53}}}""");
        var written = MetricsPlots.DrawStandard(metrics, Path.Combine(_dir.FullName, "plots"));
        Assert.Equal(["accuracy.png", "evaluation.png", "reward.png"], written.Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal));
    }
}
