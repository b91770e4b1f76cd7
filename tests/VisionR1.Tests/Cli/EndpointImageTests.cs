using System.Text.Json;
using VisionR1.Data.Evaluation;
using VisionR1.Data.Readers;
using VisionR1.Data.Records;
using VisionR1.Tests.Data;
using VisionR1.Tests.Inputs;
using TempFolder = VisionR1.Tests.Data.TempFolder;
using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Reliability;

/// <summary>
/// Requests for image items always carry the image, with its real media type; an image that cannot be sent (empty, not an
/// image, corrupt) fails its item by name before any request. Checked against a real HTTP server on 127.0.0.1.
/// </summary>
public sealed class EndpointImageTests
{
    private static string Reply(string item, string step, bool hasImage) => step switch
    {
        "pseudo_cot" => $"Caption for {item}.",
        "description" => $"The figure of {item} shows 3 and 4.",
        _ => "<think>3 and 4 make 7.</think><answer>7</answer>",
    };

    /// <summary>Item-000 a PNG, Item-001 a JPEG, Item-002 an empty file, Item-003 a text file named .png, Item-004 a truncated PNG.</summary>
    private static string Problems(TempFolder tmp)
    {
        var png = ImageFixtures.Png(32, 32, ImageFixtures.Noise);
        File.WriteAllBytes(tmp.File("good.png"), png);
        File.WriteAllBytes(tmp.File("good.jpg"), ImageFixtures.Encode(32, 32, ImageFixtures.Noise, SkiaSharp.SKEncodedImageFormat.Jpeg));
        File.WriteAllBytes(tmp.File("empty.png"), []);
        File.WriteAllText(tmp.File("text.png"), "this is not an image");
        File.WriteAllBytes(tmp.File("cut.png"), png[..(png.Length / 3)]);
        string[] files = ["good.png", "good.jpg", "empty.png", "text.png", "cut.png"];
        var path = tmp.File("problems.jsonl");
        File.WriteAllLines(path, files.Select((f, i) => JsonSerializer.Serialize(new { id = $"q{i}", images = new[] { f }, question = $"Item-{i:000}: total?", answer = "7" })));
        return path;
    }

    [Fact]
    public async Task Build_cold_sends_each_image_with_its_media_type_and_fails_bad_images_by_name_without_a_request()
    {
        using var tmp = new TempFolder();
        await using var server = new FakeChatServer(Reply);
        var input = Problems(tmp);
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = await CommandLine.RunAsync(["build-cold", "--input", input, "--output", tmp.File("out/cold.jsonl"), "--endpoint", server.BaseUrl, "--model", "m", "--retries", "1"], stdout, stderr, CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Contains("built 2, already done 0, failed 3", stdout.ToString(), StringComparison.Ordinal);
        foreach (var (id, file) in new[] { ("q2", "empty.png"), ("q3", "text.png"), ("q4", "cut.png") })
            Assert.Contains(stderr.ToString().Split('\n'), l => l.Contains($"failed {id}", StringComparison.Ordinal) && l.Contains(file, StringComparison.Ordinal));
        // The good items' image steps (pseudo-CoT, description) went out with the image; the bad items never reached the server.
        Assert.Equal(2, server.Hits.GetValueOrDefault(("Item-000", "pseudo_cot")) + server.Hits.GetValueOrDefault(("Item-001", "pseudo_cot")));
        Assert.Equal(2, server.Hits.GetValueOrDefault(("Item-000", "description")) + server.Hits.GetValueOrDefault(("Item-001", "description")));
        Assert.DoesNotContain(server.Hits.Keys, k => k.Item is "Item-002" or "Item-003" or "Item-004");
        Assert.Contains(server.Bodies.SelectMany(FakeChatServer.ImageUrls), u => u.StartsWith("data:image/jpeg;base64,", StringComparison.Ordinal));
        Assert.All(server.Bodies.SelectMany(FakeChatServer.ImageUrls), u => Assert.Matches("^data:image/(png|jpeg);base64,", u));
    }

    [Fact]
    public async Task Eval_requests_carry_the_image_and_a_bad_image_is_a_named_failure_not_a_prediction()
    {
        using var tmp = new TempFolder();
        await using var server = new FakeChatServer((_, _, hasImage) => hasImage ? "<think>x</think><answer>7</answer>" : "<think>no image</think><answer>0</answer>");
        var input = Problems(tmp);
        var report = new ReadReport();

        var summary = await new Evaluator(server.Client(), new EvaluationOptions(MaxRetries: 1)).PredictAsync(
            ProblemSource.Open(input, report: report), tmp.File("preds.jsonl"));

        Assert.Equal(2, summary.Generated);
        Assert.Equal(3, summary.Failed);
        Assert.Equal(["q2", "q3", "q4"], summary.Failures.Select(f => f.Key).Order());
        Assert.All(summary.Failures, f => Assert.Contains("Image '", f.Value, StringComparison.Ordinal));
        Assert.Equal(2, server.Bodies.Count);
        Assert.All(server.Bodies, b => Assert.Matches("^data:image/(png|jpeg);base64,", Assert.Single(FakeChatServer.ImageUrls(b))));
        Assert.All(File.ReadAllLines(tmp.File("preds.jsonl")), l => Assert.Contains("<answer>7</answer>", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Eval_names_each_skipped_line_and_failed_item_and_says_what_the_accuracy_is_over()
    {
        using var tmp = new TempFolder();
        await using var server = new FakeChatServer((_, _, _) => "<think>x</think><answer>7</answer>");
        var input = Problems(tmp);
        File.AppendAllText(input, "{\"id\": \"broken\"\n");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = await CommandLine.RunAsync(["eval", "--input", input, "--predictions", tmp.File("p.jsonl"), "--endpoint", server.BaseUrl, "--model", "m", "--retries", "1"], stdout, stderr, CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Contains("eval: skipped problems.jsonl:6", stderr.ToString(), StringComparison.Ordinal);
        foreach (var id in new[] { "q2", "q3", "q4" }) Assert.Contains($"eval: failed {id}: Image '", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("accuracy is over 2 predicted items; 1 skipped as unreadable, 3 failed (not predicted)", stdout.ToString(), StringComparison.Ordinal);
        Assert.Equal("accuracy: 1", stdout.ToString().TrimEnd().Split('\n')[^1].TrimEnd('\r'));
    }
}
