using VisionR1.Recipe;
using VisionR1.Trainer.Cli;
using static VisionR1.Tests.Cli.Vr1Cli;

namespace VisionR1.Tests.Pipeline;

/// <summary>`vr1 pretrain` writes a base with its provenance, and `vr1 pipeline --base` starts from it or names the world it does not match.</summary>
public sealed class PretrainCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-pretrain-cli-");

    public void Dispose()
    {
        try { _dir.Delete(true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    // The quick run's world and pre-training sizes, so that `pipeline --quick` can start from the base.
    private static readonly string[] QuickWorld = ["--preset", "tiny", "--epochs", "1", "--dtype", "fp32", "--set", "TrainItems=48", "--set", "TestItems=12",
        "--set", "ImageSize=56", "--set", "BaseArithmeticDrills=16", "--set", "BaseBatch=16", "--set", "ProbeItems=8"];

    [Fact]
    public async Task Pretrain_writes_a_base_with_provenance_that_a_quick_pipeline_starts_from()
    {
        var pre = Path.Combine(_dir.FullName, "pre");
        var made = await Run(["pretrain", "--out", pre, .. QuickWorld]);
        Assert.True(made.Code == 0, made.Err);
        var modelDir = Path.Combine(pre, RecipeStages.Base, RecipeStages.ModelFolder);
        var provenance = BaseProvenance.Read(modelDir);
        Assert.Equal(48, provenance.Options.TrainItems);
        Assert.Contains("vr1 pretrain", provenance.Caller, StringComparison.Ordinal);
        Assert.Contains(provenance.TrainSplitSha256, made.Out, StringComparison.Ordinal);

        var run = Path.Combine(_dir.FullName, "run");
        var used = await Run("pipeline", "--quick", "--dtype", "fp32", "--base", pre, "--out", run);
        Assert.True(used.Code == 0, used.Err);
        Assert.False(Directory.Exists(Path.Combine(run, RecipeStages.Tokenizer)), "the run trained no tokenizer of its own");
        Assert.True(File.Exists(Path.Combine(run, "summary.json")));
    }

    [Fact]
    public async Task A_base_of_another_world_is_refused_naming_the_difference()
    {
        var pre = Path.Combine(_dir.FullName, "pre84");
        var made = await Run(["pretrain", "--out", pre, .. QuickWorld, "--set", "ImageSize=84"]);
        Assert.True(made.Code == 0, made.Err);
        var refused = await Run("pipeline", "--quick", "--dtype", "fp32", "--base", pre, "--out", Path.Combine(_dir.FullName, "run"));
        Assert.Equal(2, refused.Code);
        Assert.Contains("ImageSize", refused.Err, StringComparison.Ordinal);
        Assert.Contains("--pretrain", refused.Err, StringComparison.Ordinal);
        var both = await Run("pipeline", "--quick", "--base", pre, "--pretrain", "--out", Path.Combine(_dir.FullName, "run2"));
        Assert.Equal(2, both.Code);
        Assert.Contains("exclude each other", both.Err, StringComparison.Ordinal);
    }
}
