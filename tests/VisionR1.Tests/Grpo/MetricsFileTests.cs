using VisionR1.Grpo.Metrics;

namespace VisionR1.Tests.Grpo;

public sealed class MetricsFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-metrics-");

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public void Malformed_metrics_line_names_file_and_line()
    {
        var path = Path.Combine(_dir.FullName, "bad.jsonl");
        File.WriteAllLines(path, ["""{"step":1}""", "{oops"]);
        var e = Assert.Throws<InvalidDataException>(() => MetricsFile.Read(path, "r"));
        Assert.Contains("bad.jsonl:2", e.Message);
    }

    [Fact]
    public void Merged_metrics_name_each_line_s_run_and_skip_runs_without_a_file()
    {
        var a = Path.Combine(_dir.FullName, "a.jsonl");
        File.WriteAllLines(a, ["""{"step":1,"loss":0.5}""", "", """{"step":2,"loss":0.4}"""]);
        var merged = Path.Combine(_dir.FullName, "all.jsonl");
        MetricsFile.Merge([("ci", a), ("gone", Path.Combine(_dir.FullName, "none.jsonl"))], merged);
        var points = MetricsFile.Read(merged, "unused");
        Assert.Equal(2, points.Count);
        Assert.All(points, p => Assert.Equal("ci", p.Run));
    }
}
