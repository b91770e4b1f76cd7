using VisionR1.Grpo.Metrics;
using VisionR1.Trainer.Pipeline;

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
}
