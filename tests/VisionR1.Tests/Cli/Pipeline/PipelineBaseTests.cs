using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using VisionR1.Recipe;
using VisionR1.Trainer.Pipeline;

namespace VisionR1.Tests.Pipeline;

/// <summary>`vr1 pipeline` from a pre-trained base: the world seed apart from the recipe's, and a given base in place of pre-training.</summary>
public sealed class PipelineBaseTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-pipeline-base-");

    public void Dispose()
    {
        try { _dir.Delete(true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task A_run_from_an_earlier_runs_base_skips_pre_training_and_gives_the_same_recipe_results()
    {
        var first = PipelineOptions.Quick with { OutputDirectory = Path.Combine(_dir.FullName, "pretrained") };
        var a = await new PipelineRunner(first, new PlainProgress(TextWriter.Null)).RunAsync(CancellationToken.None);
        var baseFolder = Path.Combine(first.OutputDirectory, RecipeStages.Base, RecipeStages.ModelFolder);

        var second = first with { OutputDirectory = Path.Combine(_dir.FullName, "from-base"), BaseModelDirectory = first.OutputDirectory };
        var runner = new PipelineRunner(second, new PlainProgress(TextWriter.Null));
        var b = await runner.RunAsync(CancellationToken.None);

        Assert.False(Directory.Exists(Path.Combine(second.OutputDirectory, RecipeStages.Tokenizer)), "no tokenizer trained");
        Assert.False(File.Exists(Path.Combine(second.OutputDirectory, RecipeStages.Base, "metrics.jsonl")), "no base step run");
        Assert.Equal(Results(a), Results(b));
        foreach (var model in new[] { RecipeStages.Base, RecipeStages.BaseCot, RecipeStages.Ci, RecipeStages.VisionR1 })
            Assert.Equal(Sha(first.OutputDirectory, RecipeStages.Eval(model), "predictions.jsonl"), Sha(second.OutputDirectory, RecipeStages.Eval(model), "predictions.jsonl"));
        foreach (var model in new[] { RecipeStages.Ci, RecipeStages.VisionR1 })
        {
            Assert.Equal(Sha(first.OutputDirectory, model, "model/model.safetensors"), Sha(second.OutputDirectory, model, "model/model.safetensors"));
            Assert.Equal(Steps(first.OutputDirectory, model), Steps(second.OutputDirectory, model));
        }
        Assert.Equal(baseFolder, JsonDocument.Parse(File.ReadAllText(Path.Combine(second.OutputDirectory, RecipeStages.Base, "stage.json")))
            .RootElement.GetProperty("Result").GetProperty("ModelDirectory").GetString());
    }

    [Fact]
    public async Task A_base_of_another_world_is_refused_before_anything_runs_and_the_message_says_what_to_do()
    {
        var first = PipelineOptions.Quick with { OutputDirectory = Path.Combine(_dir.FullName, "pretrained"), Until = RecipeStages.Base };
        await new PipelineRunner(first, new PlainProgress(TextWriter.Null)).PrepareBaseAsync(CancellationToken.None);

        var other = first with { OutputDirectory = Path.Combine(_dir.FullName, "other"), BaseModelDirectory = first.OutputDirectory, ImageSize = 84 };
        var e = await Assert.ThrowsAsync<BaseMismatchException>(() => new PipelineRunner(other, new PlainProgress(TextWriter.Null)).RunAsync(CancellationToken.None));
        Assert.Contains("ImageSize: base 56, this run 84", e.Message, StringComparison.Ordinal);
        Assert.Contains("--pretrain", e.Message, StringComparison.Ordinal);
        Assert.Contains("vr1 pretrain --out DIR", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(other.OutputDirectory, RecipeStages.ColdStart)));
    }

    [Fact]
    public void The_recipe_seed_leaves_the_world_and_the_base_alone()
    {
        var seeded = PipelineOptions.Quick with { Seed = 7 };
        Assert.Equal(JsonSerializer.Serialize(PipelineOptions.Quick.ToBasePretraining()), JsonSerializer.Serialize(seeded.ToBasePretraining()));
        Assert.Equal(7, seeded.ToRecipe().Seed);
        Assert.Equal(PipelineOptions.Quick.ToRecipe().ProbeProblems.Select(p => p.Question), seeded.ToRecipe().ProbeProblems.Select(p => p.Question));
        var world = (PipelineOptions.Quick with { WorldSeed = 3 }).ToBasePretraining();
        Assert.Equal(3, world.World.Seed);
        Assert.Equal(3, world.Sft.Seed);
    }

    [Fact]
    public async Task A_shipped_base_is_found_only_where_it_has_its_provenance()
    {
        Assert.Null(PipelineOptions.ShippedBase("small", _dir.FullName));
        var first = PipelineOptions.Quick with { OutputDirectory = Path.Combine(_dir.FullName, "pretrained") };
        var built = await new PipelineRunner(first, new PlainProgress(TextWriter.Null)).PrepareBaseAsync(CancellationToken.None);
        var shipped = Directory.CreateDirectory(Path.Combine(_dir.FullName, "app", "Base", "tiny")).FullName;
        Assert.Null(PipelineOptions.ShippedBase("tiny", Path.Combine(_dir.FullName, "app")));
        foreach (var file in Directory.GetFiles(built.ModelDirectory)) File.Copy(file, Path.Combine(shipped, Path.GetFileName(file)));
        Assert.Equal(shipped, PipelineOptions.ShippedBase("tiny", Path.Combine(_dir.FullName, "app")));
        var from = await new PipelineRunner(first with { OutputDirectory = Path.Combine(_dir.FullName, "run"), BaseModelDirectory = shipped },
            new PlainProgress(TextWriter.Null)).PrepareBaseAsync(CancellationToken.None);
        Assert.Equal(shipped, from.ModelDirectory);
    }

    [Fact]
    public void A_run_from_a_base_is_planned_without_pre_training_and_no_budget_rung_cuts_base_epochs()
    {
        var given = PipelineOptions.Default with { BaseModelDirectory = "Base/small" };
        var pretraining = PipelineOptions.Default with { BaseModelDirectory = null };
        Assert.Equal(0, PipelineBudget.Predict(given, 1)[RecipeStages.Base]);
        Assert.True(PipelineBudget.Predict(pretraining, 1)[RecipeStages.Base] > 0);
        var withoutBase = PipelineBudget.Predict(pretraining, 1);
        Assert.Equal(withoutBase.Where(kv => kv.Key != RecipeStages.Base), PipelineBudget.Predict(given, 1).Where(kv => kv.Key != RecipeStages.Base));
        Assert.All(PipelineBudget.Ladder(given), rung => Assert.Equal(given.BaseEpochs, rung.Options.BaseEpochs));
        Assert.DoesNotContain("base epochs", PipelineBudget.Ladder(given)[^1].Reductions, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_run_starts_from_the_shipped_base_and_that_base_was_trained_on_the_world_the_default_renders()
    {
        var shipped = PipelineOptions.ShippedBase("small");
        Assert.NotNull(shipped);
        Assert.Equal(shipped, PipelineOptions.Default.BaseModelDirectory);
        Assert.Null(PipelineOptions.Quick.BaseModelDirectory);
        var provenance = BaseProvenance.Read(shipped);
        Assert.Empty(provenance.Differences(PipelineOptions.Default.ToBasePretraining()));
        Assert.Equal(provenance.Options.Sft.Epochs, PipelineOptions.Default.BaseEpochs);

        // The default world rendered again has the train split the shipped weights were trained on (the pixels may differ with the
        // renderer's build and SIMD width, which the run reports rather than refuses), and Verify accepts it.
        var stages = new StageRunner(Path.Combine(_dir.FullName, "default-world"));
        await BasePretraining.WorldAsync(stages, PipelineOptions.Default.ToBasePretraining(), new PlainProgress(TextWriter.Null));
        var trainFile = Path.Combine(stages.StageDirectory(RecipeStages.World), DataStages.WorldTrainFile);
        Assert.Equal(provenance.TrainSplitSha256, BaseProvenance.TrainSplitSha256Of(trainFile).Split);
        BaseProvenance.Verify(shipped, trainFile);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Vr1_pretrain_reproduces_the_first_steps_of_the_shipped_base()
    {
        // The shipped weights came from pre-training on the default world; the same pre-training started again from the provenance alone
        // must take the same first steps. Its precision is the base's (bf16), whose products round differently between CPU kernels (AVX-512
        // BF16 instructions or AVX2 conversions), hence a relative tolerance (on the AVX-512 BF16 machine that trained it the losses are equal to the bit).
        var shipped = PipelineOptions.ShippedBase("small")!;
        var expected = BaseProvenance.Read(shipped).FirstLosses;
        var rebuilt = await BasePretraining.FirstStepLossesAsync(shipped, 4, Path.Combine(_dir.FullName, "rebuild"), new PlainProgress(TextWriter.Null));
        Assert.Equal(4, rebuilt.Count);
        for (int i = 0; i < rebuilt.Count; i++)
            Assert.True(Math.Abs(rebuilt[i] - expected[i]) <= 1e-3 * expected[i], $"step {i + 1}: rebuilt {rebuilt[i]}, shipped {expected[i]}");
    }

    /// <summary>summary.json without its timings.</summary>
    private static string Results(RecipeSummary summary) => Strip(JsonSerializer.SerializeToNode(summary))!.ToJsonString();

    private static string Sha(params string[] path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(path))));

    /// <summary>A training stage's metrics lines without their timings.</summary>
    private static List<string> Steps(string run, string stage) =>
        File.ReadLines(Path.Combine(run, stage, "metrics.jsonl")).Select(l => Strip(JsonNode.Parse(l))!.ToJsonString()).ToList();

    /// <summary>Removes every timing field (the names quickdigest.py leaves out), at any depth.</summary>
    private static JsonNode? Strip(JsonNode? node)
    {
        if (node is JsonObject o)
            foreach (var (key, value) in o.ToList())
            {
                if (new[] { "second", "elapsed", "time", "wall", "_s" }.Any(t => key.Contains(t, StringComparison.OrdinalIgnoreCase))) o.Remove(key);
                else Strip(value);
            }
        else if (node is JsonArray a)
            foreach (var item in a) Strip(item);
        return node;
    }
}
