using System.Text.Json.Serialization;
using Parquet.Serialization;
using VisionR1.Data.Readers;
using VisionR1.Data.Synthetic;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Runtime;
using VisionR1.Tests.Data;
using VisionR1.Text;
using VisionR1.Recipe;
using System.Text.Json;
using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Pipeline;

/// <summary>The real path (--model, --train Parquet, --eval file, --teacher-endpoint) on a tiny checkpoint saved by the library.</summary>
public sealed class PipelineRealPathTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-pipeline-real-");

    public void Dispose()
    {
        try { _dir.Delete(true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public sealed class ImageCell
    {
        [JsonPropertyName("bytes")] public byte[]? Bytes { get; set; }
        [JsonPropertyName("path")] public string? Path { get; set; }
    }

    public sealed class Row
    {
        [JsonPropertyName("id")] public string? Id { get; set; }
        [JsonPropertyName("images")] public List<ImageCell>? Images { get; set; }
        [JsonPropertyName("problem")] public string? Problem { get; set; }
        [JsonPropertyName("answer")] public string? Answer { get; set; }
    }

    [Theory]
    [InlineData("qwen2.5-vl")]
    [InlineData("qwen3-vl")]
    public async Task Real_path_runs_cold_start_through_an_http_teacher_then_sft_grpo_and_evaluation_on_a_saved_tiny_model(string family)
    {
        VisionR1Runtime.Initialize("cpu");
        var modelDir = Path.Combine(_dir.FullName, "tiny-model");
        if (family == "qwen3-vl")
        {
            var init = new StringWriter();
            Assert.True(await CommandLine.RunAsync(["init-model", "--preset", "qwen3-vl-tiny", "--out", modelDir, "--seed", "5"], init, init, CancellationToken.None) == 0, init.ToString());
        }
        else Recipe.VisionR1RecipeTests.SaveTinyBase(modelDir, seed: 5);

        // Images from the synthetic world; questions tagged for the fake teacher; every answer is 7.
        var world = new SyntheticWorldGenerator(new SyntheticWorldOptions { Seed = 4, ImageSize = 56 });
        var trainProblems = world.Generate(SyntheticSplit.Train, 12).ToList();
        var rows = trainProblems.Select((p, i) => new Row
        {
            Id = $"Item-{i:D3}",
            Images = [new ImageCell { Bytes = p.Images[0].Bytes }],
            Problem = $"Item-{i:D3}: how many marks are there?",
            Answer = "7",
        }).ToList();
        var trainFile = Path.Combine(_dir.FullName, "train.parquet");
        await ParquetSerializer.SerializeAsync(rows, trainFile);
        var evalFile = Path.Combine(_dir.FullName, "bench", "test.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(evalFile)!);
        var evalProblems = world.Generate(SyntheticSplit.Test, 6).Select(p => p with { Answer = "7", Metadata = null }).ToList();
        await MathProblemJsonl.WriteAsync(evalFile, evalProblems, Path.GetDirectoryName(evalFile)!);

        await using var teacher = new FakeChatServer((item, step, _) => step switch
        {
            "reasoning" => "<think>\nI count the marks one by one: there are 7. Wait, let me recount: 7. So the answer is 7.\n</think>\n<answer>7</answer>",
            _ => "The figure shows 7 marks.",
        });
        var run = Path.Combine(_dir.FullName, "run");
        var output = new StringWriter();
        int code = await CommandLine.RunAsync(["pipeline", "--quick", "--out", run, "--model", modelDir, "--train", trainFile, "--eval", evalFile,
            "--teacher-endpoint", teacher.BaseUrl, "--teacher-model", "fake-teacher", "--set", "ColdStartItems=6"], output, output, CancellationToken.None);
        Assert.True(code == 0, output.ToString());
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
        var stages = summary.RootElement.GetProperty("stages");
        var options = new { OutputDirectory = run };

        Assert.False(Directory.Exists(Path.Combine(options.OutputDirectory, RecipeStages.World)));
        Assert.False(Directory.Exists(Path.Combine(options.OutputDirectory, RecipeStages.Tokenizer)));
        Assert.Equal(6, teacher.Served.Keys.Select(k => k.Item).Distinct().Count());
        Assert.All(teacher.Served.Keys.Select(k => k.Step).Distinct(), s => Assert.Contains(s, new[] { "pseudo_cot", "description", "reasoning" }));
        Assert.Equal(6, File.ReadAllLines(Path.Combine(options.OutputDirectory, RecipeStages.ColdStart, "filtered.jsonl")).Length);
        Assert.Equal(["base", "ci", "vision_r1"], stages.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(6, summary.RootElement.GetProperty("test_items").GetInt32());
        Assert.Equal("cot", stages.GetProperty("base").GetProperty("mode").GetString());
        var trained = Path.Combine(options.OutputDirectory, RecipeStages.VisionR1, RecipeStages.ModelFolder);
        Assert.True(File.Exists(Path.Combine(trained, "model.safetensors")));
        Assert.Equal(family == "qwen3-vl" ? VisionR1.Model.QwenVLFamily.Qwen3VL : VisionR1.Model.QwenVLFamily.Qwen25VL, VisionR1.Model.QwenVLModel.FamilyOf(trained));
    }
}
