using VisionR1.Grpo.Metrics;
using VisionR1.Trainer.Reporting;

namespace VisionR1.Tests.Pipeline;

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
}
