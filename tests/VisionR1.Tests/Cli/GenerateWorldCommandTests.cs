using System.Security.Cryptography;
using System.Text.Json;
using VisionR1.Data.Records;
using VisionR1.Problems;
using VisionR1.Data.Synthetic;
using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Synthetic;

public sealed class GenerateWorldCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vr1-world-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] argv)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await CommandLine.RunAsync(argv, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static List<JsonElement> ReadLines(string file) =>
        File.ReadAllLines(file).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    [Fact]
    public async Task WritesPngsAndJsonlWithPathsRelativeToTheOutputFolder()
    {
        var (code, stdout, stderr) = await RunAsync("world", "--out", _dir, "--train", "12", "--test", "6", "--seed", "3", "--size", "112", "--families", "shapes,bars");
        Assert.True(code == 0, stderr);
        Assert.Contains("train: 12 problems", stdout);
        var train = ReadLines(Path.Combine(_dir, "train.jsonl"));
        var test = ReadLines(Path.Combine(_dir, "test.jsonl"));
        Assert.Equal(12, train.Count);
        Assert.Equal(6, test.Count);
        Assert.Equal(["shapes", "bars"], train.Take(2).Select(l => l.GetProperty("metadata").GetProperty("family").GetString()));

        // The files hold exactly what the library generates for the same settings.
        var expected = new SyntheticWorldGenerator(new SyntheticWorldOptions { Seed = 3, ImageSize = 112, Families = [WorldFamily.Shapes, WorldFamily.Bars] })
            .Generate(SyntheticSplit.Train, 12).ToList();
        for (int i = 0; i < expected.Count; i++)
        {
            var line = train[i];
            var relative = line.GetProperty("images")[0].GetString()!;
            Assert.False(Path.IsPathRooted(relative));
            var bytes = File.ReadAllBytes(Path.Combine(_dir, relative));
            Assert.Equal(expected[i].Images[0].Bytes, bytes);
            Assert.Equal(expected[i].Id, line.GetProperty("id").GetString());
            Assert.Equal(expected[i].Question, line.GetProperty("question").GetString());
            Assert.Equal(expected[i].Answer, line.GetProperty("answer").GetString());
            var metadata = line.GetProperty("metadata").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            var item = SyntheticItem.FromProblem(new MathProblem(line.GetProperty("id").GetString()!, [new ImageRef(relative, null)], line.GetProperty("question").GetString()!, line.GetProperty("answer").GetString()!, Metadata: metadata));
            Assert.Equal(expected[i].Answer, item.Task.Answer);
        }
        var trainPairs = train.Select(l => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(_dir, l.GetProperty("images")[0].GetString()!)))) + l.GetProperty("question").GetString()).ToHashSet();
        Assert.DoesNotContain(test, l => trainPairs.Contains(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(_dir, l.GetProperty("images")[0].GetString()!)))) + l.GetProperty("question").GetString()));
        Assert.Equal(18, Directory.GetFiles(Path.Combine(_dir, "images"), "*.png").Length);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp", SearchOption.AllDirectories));
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "world.json")));
        Assert.Equal(3, settings.RootElement.GetProperty("seed").GetInt64());
    }

    [Fact]
    public async Task RunningTwiceGivesIdenticalFiles()
    {
        Assert.Equal(0, (await RunAsync("world", "--out", _dir, "--train", "5", "--test", "3", "--size", "56")).Code);
        var first = File.ReadAllText(Path.Combine(_dir, "train.jsonl"));
        Assert.Equal(0, (await RunAsync("world", "--out", _dir, "--train", "5", "--test", "3", "--size", "56")).Code);
        Assert.Equal(first, File.ReadAllText(Path.Combine(_dir, "train.jsonl")));
    }

    [Theory]
    [InlineData("--families", "shapes,circles")]
    [InlineData("--size", "9")]
    [InlineData("--difficulty", "extreme")]
    [InlineData("--colour", "red")]
    public async Task BadArgumentsAreUsageErrors(string option, string value)
    {
        var (code, _, stderr) = await RunAsync("world", "--out", _dir, "--train", "1", "--test", "1", option, value);
        Assert.Equal(2, code);
        Assert.Contains(option, stderr);
    }

    [Fact]
    public async Task TheOutputFolderIsRequired()
    {
        var (code, _, stderr) = await RunAsync("world", "--train", "1");
        Assert.Equal(2, code);
        Assert.Contains("--out", stderr);
    }
}
