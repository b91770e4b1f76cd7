namespace VisionR1.Tests.Cli;

/// <summary>`vr1 sft --resume` stops with a message naming a damaged checkpoint's file; `--resume latest-good` moves it aside and goes on.</summary>
public sealed class ResumeCliTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-resume-cli-");

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public async Task A_damaged_newest_checkpoint_stops_resume_unless_latest_good_is_asked_for()
    {
        var model = Path.Combine(_dir.FullName, "model");
        Assert.Equal(0, (await Vr1.Run("init-model", "--preset", "tiny", "--out", model, "--seed", "1")).Code);
        var data = Path.Combine(_dir.FullName, "sft.jsonl");
        File.WriteAllLines(data, Enumerable.Range(0, 4).Select(i => $$"""{"messages": [{"role": "user", "content": "{{i}}?"}, {"role": "assistant", "content": "{{i}}"}]}"""));
        var run = Path.Combine(_dir.FullName, "run");
        string[] sft = ["sft", "--model", model, "--data", data, "--out", run, "--epochs", "2", "--batch", "2", "--accum", "1", "--save-every", "1", "--threads", "1"];
        var first = await Vr1.Run([.. sft, "--max-steps", "2"]);
        Assert.True(first.Code == 0, first.Err);
        var optimizer = Path.Combine(run, "checkpoints", "step-00000002", "optimizer.safetensors");
        File.WriteAllBytes(optimizer, File.ReadAllBytes(optimizer)[..100]);

        var stopped = await Vr1.Run([.. sft, "--resume", "--max-steps", "1"]);
        Assert.Equal(1, stopped.Code);
        Assert.Contains("optimizer.safetensors: size differs", stopped.Err, StringComparison.Ordinal);
        Assert.Contains("--resume latest-good", stopped.Err, StringComparison.Ordinal);
        Assert.True(File.Exists(optimizer));

        var bogus = await Vr1.Run([.. sft, "--resume", "newest", "--max-steps", "1"]);
        Assert.Equal(2, bogus.Code);

        var resumed = await Vr1.Run([.. sft, "--resume", "latest-good", "--max-steps", "1"]);
        Assert.True(resumed.Code == 0, resumed.Out + resumed.Err);
        Assert.Contains("resuming after step 1", resumed.Out, StringComparison.Ordinal);
        Assert.Contains("step-00000002.damaged", resumed.Err, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "step-00000002.damaged", "optimizer.safetensors")));
        Assert.True(Directory.Exists(Path.Combine(run, "checkpoints", "step-00000002"))); // written again by the resumed step
    }
}
