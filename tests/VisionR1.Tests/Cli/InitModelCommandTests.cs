using VisionR1.Model.Checkpoints;
using VisionR1.Trainer.Cli;
using static VisionR1.Tests.Cli.Vr1Cli;

namespace VisionR1.Tests.Model;

public sealed class InitModelCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-init-");

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public async Task Tiny_preset_writes_a_loadable_hf_folder_reproducibly()
    {
        var a = Path.Combine(_dir.FullName, "a");
        var b = Path.Combine(_dir.FullName, "b");
        var (code, output, _) = await Run("init-model", "--preset", "tiny", "--out", a, "--seed", "3");
        Assert.Equal(0, code);
        Assert.Contains("223,456 parameters", output);
        Assert.Equal(0, (await Run("init-model", "--preset", "tiny", "--out", b, "--seed", "3")).Code);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "model.safetensors")), File.ReadAllBytes(Path.Combine(b, "model.safetensors")));
        using var model = CheckpointLoader.Load(a);
        Assert.Equal(223_456, model.ParameterCount);
        var tokenizer = VisionR1.Text.TokenizerLoader.FromFolder(a);
        Assert.Equal(VisionR1.Model.Config.ModelTokenIds.From(tokenizer.Special), model.Config.Tokens);
    }

    [Fact]
    public async Task Large_presets_need_meta_check_and_then_allocate_nothing()
    {
        var dir = Path.Combine(_dir.FullName, "7b");
        var refused = await Run("init-model", "--preset", "7b", "--out", dir);
        Assert.Equal(1, refused.Code);
        Assert.Contains("--meta-check", refused.Err);
        Assert.False(Directory.Exists(dir));

        var checkedRun = await Run("init-model", "--preset", "7b", "--out", dir, "--meta-check");
        Assert.Equal(0, checkedRun.Code);
        Assert.Contains("8,292,166,656 parameters", checkedRun.Out);
        Assert.True(File.Exists(Path.Combine(dir, "config.json")));
        Assert.False(File.Exists(Path.Combine(dir, "model.safetensors")));
    }

    [Fact]
    public async Task Unknown_preset_is_a_usage_error()
    {
        var (code, _, err) = await Run("init-model", "--preset", "huge", "--out", _dir.FullName);
        Assert.Equal(2, code);
        Assert.Contains("huge", err);
    }
}
