using System.Text.Json;
using VisionR1.Model;
using VisionR1.Runtime;
using VisionR1.Text;
using VisionR1.Trainer.Cli;
using VisionR1.Recipe;
using VisionR1.Trainer.Pipeline;

namespace VisionR1.Tests.Pipeline;

/// <summary>The quick pipeline end to end (a smoke run: stages and files, not accuracy).</summary>
public sealed class PipelineQuickTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-pipeline-");

    public void Dispose()
    {
        try { _dir.Delete(true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task Quick_run_writes_summary_metrics_plots_and_loadable_checkpoints_of_every_stage()
    {
        var output = new StringWriter();
        int rc = await CommandLine.RunAsync(["pipeline", "--quick", "--out", _dir.FullName], output, output, CancellationToken.None);
        Assert.True(rc == 0, output.ToString());

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir.FullName, "summary.json")));
        var root = summary.RootElement;
        Assert.Equal(PipelineOptions.Quick.TestItems, root.GetProperty("test_items").GetInt32());
        Assert.True(root.GetProperty("elapsed_s").GetDouble() > 0);
        var stages = root.GetProperty("stages");
        Assert.Equal(["base", "base_cot", "ci", "vision_r1"], stages.EnumerateObject().Select(p => p.Name).ToArray());
        foreach (var stage in stages.EnumerateObject())
        {
            foreach (var key in new[] { "accuracy", "format_rate", "mean_completion_tokens", "ci_lower", "ci_upper" })
                Assert.True(stage.Value.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number, $"{stage.Name}.{key}");
            Assert.Equal(PipelineOptions.Quick.TestItems, stage.Value.GetProperty("items").GetInt32());
            Assert.True(File.Exists(Path.Combine(_dir.FullName, "eval_" + stage.Name, "predictions.jsonl")));
            Assert.Equal(PipelineOptions.Quick.TestItems, File.ReadAllLines(Path.Combine(_dir.FullName, "eval_" + stage.Name, "predictions.jsonl")).Length);
        }

        // Every model also answered the arithmetic probe; every pair is compared on the same items; accuracy is broken down.
        Assert.Equal(["base", "base_cot", "ci", "vision_r1"], root.GetProperty("probe").EnumerateObject().Select(p => p.Name).ToArray());
        Assert.All(root.GetProperty("probe").EnumerateObject(), p => Assert.Equal(PipelineOptions.Quick.ProbeItems, p.Value.GetProperty("items").GetInt32()));
        var paired = root.GetProperty("paired").EnumerateArray().ToList();
        Assert.Equal(6, paired.Count);
        Assert.Contains(paired, p => p.GetProperty("first").GetString() == "vision_r1" && p.GetProperty("second").GetString() == "base");
        Assert.All(paired, p => Assert.Equal(PipelineOptions.Quick.TestItems, p.GetProperty("items").GetInt32()));
        var steps = root.GetProperty("breakdown").GetProperty("vision_r1").GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(PipelineOptions.Quick.TestItems, steps.Sum(g => g.GetProperty("items").GetInt32()));
        Assert.Contains("Paired on the same items", output.ToString(), StringComparison.Ordinal);

        var lines = File.ReadAllLines(Path.Combine(_dir.FullName, "metrics.jsonl"));
        var runs = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("run").GetString()).ToList();
        Assert.Contains("base", runs);
        Assert.Contains("ci", runs);
        Assert.Equal(2 * PipelineOptions.Quick.GrpoStepsPerStage, runs.Count(r => r == "vision_r1"));

        foreach (var plot in new[] { "reward", "accuracy", "completion_length", "clipped_ratio", "sft_loss" })
        {
            var png = Path.Combine(_dir.FullName, "plots", plot + ".png");
            Assert.True(File.Exists(png), png);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(png).Take(4).ToArray());
        }

        VisionR1Runtime.Initialize("cpu");
        foreach (var stage in new[] { "base", "ci", "vision_r1" })
        {
            var folder = Path.Combine(_dir.FullName, stage, RecipeStages.ModelFolder);
            Assert.True(File.Exists(Path.Combine(folder, "config.json")), folder);
            using var model = Qwen25VLModel.FromPretrained(folder);
            Assert.True(model.ParameterCount > 0);
            Assert.True(TokenizerLoader.FromFolder(folder).VocabularySize > 263);
        }
        Assert.Contains("Held-out test split", output.ToString());
    }

    [Fact]
    public async Task A_run_cancelled_midway_resumes_without_redoing_finished_stages()
    {
        using var cts = new CancellationTokenSource();
        var options = PipelineOptions.Quick with { OutputDirectory = _dir.FullName };
        var first = new PipelineRunner(options, new CancelAt(RecipeStages.Ci, cts, new PlainProgress(TextWriter.Null)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.RunAsync(cts.Token));

        string[] finished = [RecipeStages.World, RecipeStages.Tokenizer, RecipeStages.Base, RecipeStages.ColdStart, RecipeStages.Filter];
        foreach (var stage in finished) Assert.True(first.Stages.IsDone(stage), stage);
        Assert.False(first.Stages.IsDone(RecipeStages.Ci));
        Assert.False(File.Exists(Path.Combine(_dir.FullName, "summary.json")));
        var baseMarker = File.ReadAllText(Path.Combine(_dir.FullName, RecipeStages.Base, "stage.json"));

        var second = new PipelineRunner(options, new PlainProgress(TextWriter.Null));
        var summary = await second.RunAsync(CancellationToken.None);
        Assert.Equal(finished, second.Stages.Resumed);
        Assert.Equal(baseMarker, File.ReadAllText(Path.Combine(_dir.FullName, RecipeStages.Base, "stage.json")));
        Assert.True(second.Stages.IsDone(RecipeStages.Ci));
        Assert.Equal(["base", "base_cot", "ci", "vision_r1"], summary.Stages.Keys.ToArray());
    }

    /// <summary>Cancels the run when a given stage starts (a deterministic "Ctrl-C" point).</summary>
    private sealed class CancelAt(string stage, CancellationTokenSource cts, IRecipeProgress inner) : IRecipeProgress
    {
        public void Begin(string s, string description, double total)
        {
            inner.Begin(s, description, total);
            if (s == stage) cts.Cancel();
        }

        public void Update(string s, double done, string? note = null) => inner.Update(s, done, note);

        public void End(string s, string summary) => inner.End(s, summary);

        public void Info(string line) => inner.Info(line);
    }
}
