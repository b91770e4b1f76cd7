using System.Text.Json.Serialization;
using Parquet;
using Parquet.Serialization;
using VisionR1.Data.Readers;
using VisionR1.Data.Records;
using VisionR1.Problems;

namespace VisionR1.Tests.Data;

public sealed class ParquetReaderTests
{
    // The shapes pyarrow writes for HF datasets: images = list<struct<bytes: binary, path: string>>.
    public sealed class HfImage
    {
        [JsonPropertyName("bytes")] public byte[]? Bytes { get; set; }
        [JsonPropertyName("path")] public string? Path { get; set; }
    }

    public sealed class Geo3kRow
    {
        [JsonPropertyName("images")] public List<HfImage>? Images { get; set; }
        [JsonPropertyName("problem")] public string? Problem { get; set; }
        [JsonPropertyName("answer")] public string? Answer { get; set; }
    }

    public sealed class MathVistaMeta
    {
        [JsonPropertyName("source")] public string? Source { get; set; }
        [JsonPropertyName("category")] public string? Category { get; set; }
        [JsonPropertyName("skills")] public List<string>? Skills { get; set; }
    }

    public sealed class MathVistaRow
    {
        [JsonPropertyName("pid")] public string? Pid { get; set; }
        [JsonPropertyName("question")] public string? Question { get; set; }
        [JsonPropertyName("image")] public string? Image { get; set; }
        [JsonPropertyName("decoded_image")] public HfImage? DecodedImage { get; set; }
        [JsonPropertyName("choices")] public List<string>? Choices { get; set; }
        [JsonPropertyName("unit")] public string? Unit { get; set; }
        [JsonPropertyName("precision")] public double? Precision { get; set; }
        [JsonPropertyName("answer")] public string? Answer { get; set; }
        [JsonPropertyName("question_type")] public string? QuestionType { get; set; }
        [JsonPropertyName("answer_type")] public string? AnswerType { get; set; }
        [JsonPropertyName("metadata")] public MathVistaMeta? Metadata { get; set; }
        [JsonPropertyName("query")] public string? Query { get; set; }
    }

    private static async Task<List<MathProblem>> ReadAll(string path, HfParquetSchema schema, ReadOptions? options = null, ReadReport? report = null)
    {
        var list = new List<MathProblem>();
        await foreach (var p in HfParquet.ReadAsync(path, schema, options, report)) list.Add(p);
        return list;
    }

    [Fact]
    public async Task Geometry3kFileWithNestedImageStructsReadsBackWithImageBytesAcrossRowGroups()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("train-00000-of-00001.parquet");
        var rows = Enumerable.Range(0, 5).Select(i => new Geo3kRow
        {
            Images = Enumerable.Range(0, i % 2 + 1).Select(k => new HfImage { Bytes = TinyImages.PngTagged((byte)(10 * i + k)), Path = null }).ToList(),
            Problem = $"<image>Find x in triangle {i}.",
            Answer = (i * 3).ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).ToList();
        await ParquetSerializer.SerializeAsync(rows, path, new ParquetOptions { RowGroupSize = 2 });
        await using (var s = File.OpenRead(path))
        await using (var r = await ParquetReader.CreateAsync(s))
            Assert.Equal(3, r.RowGroupCount);

        var report = new ReadReport();
        var problems = await ReadAll(path, HfParquetSchema.Auto, report: report);

        Assert.Equal(5, problems.Count);
        Assert.Equal(5, report.Read);
        Assert.Empty(report.Skipped);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal($"<image>Find x in triangle {i}.", problems[i].Question);
            Assert.Equal((i * 3).ToString(System.Globalization.CultureInfo.InvariantCulture), problems[i].Answer);
            Assert.Equal(i % 2 + 1, problems[i].Images.Count);
            for (int k = 0; k < problems[i].Images.Count; k++)
                Assert.Equal(TinyImages.PngTagged((byte)(10 * i + k)), problems[i].Images[k].Bytes);
        }
        Assert.Equal(5, problems.Select(p => p.Id).Distinct().Count());
    }

    [Fact]
    public async Task MathVistaFileReadsChoicesPrecisionMetadataAndDecodedImage()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("testmini.parquet");
        var rows = new List<MathVistaRow>
        {
            new()
            {
                Pid = "1", Question = "What is the spring compression?", Image = "images/1.jpg",
                DecodedImage = new HfImage { Bytes = TinyImages.PngTagged(1), Path = "images/1.jpg" },
                Precision = 1.0, Answer = "1.2", QuestionType = "free_form", AnswerType = "float",
                Metadata = new MathVistaMeta { Source = "SciBench", Category = "math-targeted-vqa", Skills = ["scientific reasoning", "algebraic reasoning"] },
                Query = "Hint: ... Question: What is the spring compression?",
            },
            new()
            {
                Pid = "2", Question = "Which is larger?", Image = "images/2.jpg",
                DecodedImage = new HfImage { Bytes = TinyImages.PngTagged(2), Path = "images/2.jpg" },
                Choices = ["larger than", "equal to", "smaller than"], Answer = "equal to",
                QuestionType = "multi_choice", AnswerType = "text",
                Metadata = new MathVistaMeta { Source = "FunctionQA", Category = "math-targeted-vqa", Skills = ["algebraic reasoning"] },
                Query = "Choices: (A) larger than (B) equal to (C) smaller than",
            },
        };
        await ParquetSerializer.SerializeAsync(rows, path);

        var problems = await ReadAll(path, HfParquetSchema.Auto);

        Assert.Equal(2, problems.Count);
        var first = problems[0];
        Assert.Equal("1", first.Id);
        Assert.Equal(AnswerType.Float, first.AnswerType);
        Assert.Equal(1, first.Precision);
        Assert.Null(first.Choices);
        Assert.Equal(TinyImages.PngTagged(1), first.Images.Single().Bytes);
        Assert.Equal("SciBench", first.Metadata!["source"]);
        Assert.Equal("scientific reasoning,algebraic reasoning", first.Metadata["skills"]);
        Assert.Equal("free_form", first.Metadata["question_type"]);
        var second = problems[1];
        Assert.Equal(AnswerType.MultipleChoice, second.AnswerType);
        Assert.Equal(["larger than", "equal to", "smaller than"], second.Choices!);
        Assert.Null(second.Precision);
        Assert.StartsWith("Choices:", second.Metadata!["query"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task RowsWithoutAnswerOrWithNonImageBytesAreSkippedAndNamedUnlessStrict()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("bad.parquet");
        var rows = new List<Geo3kRow>
        {
            new() { Images = [new HfImage { Bytes = TinyImages.Png }], Problem = "ok", Answer = "1" },
            new() { Images = [new HfImage { Bytes = TinyImages.Png }], Problem = "no answer", Answer = null },
            new() { Images = [new HfImage { Bytes = [1, 2, 3, 4] }], Problem = "garbage image", Answer = "2" },
            new() { Images = [new HfImage { Bytes = TinyImages.Png }], Problem = "ok too", Answer = "3" },
        };
        await ParquetSerializer.SerializeAsync(rows, path);

        var report = new ReadReport();
        var problems = await ReadAll(path, HfParquetSchema.Geometry3k, report: report);

        Assert.Equal(["1", "3"], problems.Select(p => p.Answer));
        Assert.Equal(["bad.parquet row 1", "bad.parquet row 2"], report.Skipped.Select(s => s.Location));
        Assert.Contains("answer", report.Skipped[0].Reason, StringComparison.Ordinal);

        var ex = await Assert.ThrowsAsync<DataFormatException>(() => ReadAll(path, HfParquetSchema.Geometry3k, new ReadOptions(Strict: true)));
        Assert.Equal("bad.parquet row 1", ex.Location);
    }

    [Fact]
    public async Task ImagePathsThatLeaveTheDataRootAreRefused()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("paths.parquet");
        File.WriteAllBytes(tmp.File("inside.png"), TinyImages.Png);
        var rows = new List<Geo3kRow>
        {
            new() { Images = [new HfImage { Path = "inside.png" }], Problem = "a", Answer = "1" },
            new() { Images = [new HfImage { Path = "../outside.png" }], Problem = "b", Answer = "2" },
        };
        await ParquetSerializer.SerializeAsync(rows, path);

        var report = new ReadReport();
        var problems = await ReadAll(path, HfParquetSchema.Geometry3k, report: report);

        Assert.Equal(tmp.File("inside.png"), problems.Single().Images.Single().Path);
        Assert.Contains("leaves the data root", report.Skipped.Single().Reason, StringComparison.Ordinal);
    }
}
