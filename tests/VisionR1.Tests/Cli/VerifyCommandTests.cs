using System.Text.Json.Nodes;
using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Answers;

/// <summary>`vr1 verify` run in-process on temporary files.</summary>
public sealed class VerifyCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vr1-verify-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await CommandLine.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Writes_each_input_with_equal_and_extracted_in_order()
    {
        var input = Path.Combine(_dir, "pairs.jsonl");
        var output = Path.Combine(_dir, "out.jsonl");
        var lines = new List<string>();
        for (int i = 0; i < 3000; i++)
            lines.Add(new JsonObject { ["id"] = i, ["gold"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture), ["prediction"] = $"so \\boxed{{{(i % 2 == 0 ? i : i + 1)}}}" }.ToJsonString());
        lines.Insert(10, "{not json");
        lines.Insert(20, "{\"gold\": \"1\"}");
        lines.Insert(30, "");
        lines.Insert(40, "[1, 2]");
        await File.WriteAllLinesAsync(input, lines);

        var (code, stdout, stderr) = await Run("verify", "--input", input, "--output", output);

        Assert.Equal(0, code);
        Assert.Equal("", stdout);
        var outLines = await File.ReadAllLinesAsync(output);
        Assert.Equal(3000, outLines.Length);
        for (int i = 0; i < 3000; i++)
        {
            var o = JsonNode.Parse(outLines[i])!.AsObject();
            Assert.Equal(i, (int)o["id"]!);
            Assert.Equal(i % 2 == 0, (bool)o["equal"]!);
            Assert.Equal((i % 2 == 0 ? i : i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), (string)o["extracted"]!);
        }
        Assert.Contains("pairs.jsonl:11: invalid JSON", stderr);
        Assert.Contains("pairs.jsonl:21: missing field \"prediction\"", stderr);
        Assert.Contains("pairs.jsonl:41: not a JSON object", stderr);
        var summary = stderr.TrimEnd().Split('\n')[^1];
        Assert.Matches(@"^verified 3000 pairs: 1500 equal, 1500 unequal, 3 malformed in \d+\.\d+ s$", summary.TrimEnd('\r'));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp")); // the atomic write left no temporary file
    }

    [Fact]
    public async Task Without_output_writes_jsonl_to_stdout_and_uses_choices_and_precision()
    {
        var input = Path.Combine(_dir, "pairs.jsonl");
        await File.WriteAllLinesAsync(input,
        [
            "{\"gold\": \"B\", \"prediction\": \"<answer>12</answer>\", \"choices\": [\"10\", \"12\"], \"pid\": \"7\"}",
            "{\"gold\": 2.5, \"prediction\": \"2.54\", \"precision\": 1}",
            "{\"gold\": \"\\\\frac{1}{2}\", \"prediction\": \"The answer is $0.5$.\"}",
        ]);
        var (code, stdout, stderr) = await Run("verify", "--input", input);
        Assert.Equal(0, code);
        var rows = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(3, rows.Count);
        Assert.True((bool)rows[0]["equal"]!);
        Assert.Equal("7", (string)rows[0]["pid"]!);
        Assert.True((bool)rows[1]["equal"]!);
        Assert.True((bool)rows[2]["equal"]!);
        Assert.Equal("0.5", (string)rows[2]["extracted"]!);
        Assert.Contains("verified 3 pairs: 3 equal, 0 unequal, 0 malformed", stderr);
    }

    [Fact]
    public async Task Output_folder_is_created_when_missing()
    {
        var input = Path.Combine(_dir, "pairs.jsonl");
        await File.WriteAllTextAsync(input, "{\"gold\": \"1\", \"prediction\": \"1\"}\n");
        var output = Path.Combine(_dir, "new", "sub", "out.jsonl");
        var (code, _, _) = await Run("verify", "--input", input, "--output", output);
        Assert.Equal(0, code);
        Assert.Single(await File.ReadAllLinesAsync(output));
    }

    [Fact]
    public async Task Missing_input_option_is_a_usage_error()
    {
        var (code, _, stderr) = await Run("verify");
        Assert.Equal(2, code);
        Assert.Contains("--input", stderr);
    }

    [Fact]
    public async Task Missing_input_file_fails_with_its_name()
    {
        var (code, _, stderr) = await Run("verify", "--input", Path.Combine(_dir, "nope.jsonl"));
        Assert.Equal(1, code);
        Assert.Contains("nope.jsonl", stderr);
    }

    [Fact]
    public async Task A_cancelled_run_leaves_the_previous_output_whole_and_no_temporary_file()
    {
        var input = Path.Combine(_dir, "pairs.jsonl");
        await File.WriteAllLinesAsync(input, Enumerable.Range(0, 5000).Select(i => $$"""{"gold": "{{i}}", "prediction": "{{i}}"}"""));
        var output = Path.Combine(_dir, "out.jsonl");
        await File.WriteAllTextAsync(output, "previous\n");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        int code = await CommandLine.RunAsync(["verify", "--input", input, "--output", output], new StringWriter(), new StringWriter(), cancelled.Token);
        Assert.NotEqual(0, code);
        Assert.Equal("previous\n", await File.ReadAllTextAsync(output));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }
}
