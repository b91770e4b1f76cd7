using VisionR1.Problems;
using VisionR1.Data.Readers;
using VisionR1.Data.Records;
using VisionR1.Tests.Data;
using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Reliability;

/// <summary>Symbolic links (files and folders) inside a data root that point outside it are refused by every reader and command.</summary>
public sealed class DataRootLinkTests
{
    private static readonly byte[] Secret = TinyImages.PngTagged(0xEE);

    /// <summary>root/ with images/inside.png, a link to a file outside (link.png) and a link to a folder outside (linkdir/secret.png).</summary>
    private static (string Root, string Outside) Layout(TempFolder tmp)
    {
        var root = Directory.CreateDirectory(tmp.File("root")).FullName;
        var outside = Directory.CreateDirectory(tmp.File("outside")).FullName;
        File.WriteAllBytes(Path.Combine(outside, "secret.png"), Secret);
        Directory.CreateDirectory(Path.Combine(root, "images"));
        File.WriteAllBytes(Path.Combine(root, "images", "inside.png"), TinyImages.PngTagged(1));
        File.CreateSymbolicLink(Path.Combine(root, "link.png"), Path.Combine(outside, "secret.png"));
        Directory.CreateSymbolicLink(Path.Combine(root, "linkdir"), outside);
        File.CreateSymbolicLink(Path.Combine(root, "images", "alias.png"), "inside.png"); // a link that stays inside is fine
        return (root, outside);
    }

    [Fact]
    public void Links_to_a_file_or_folder_outside_the_root_are_refused_and_links_inside_resolve_to_the_real_file()
    {
        using var tmp = new TempFolder();
        var (root, _) = Layout(tmp);

        Assert.Contains("leaves the data root", Assert.Throws<ArgumentException>(() => DataRoot.Resolve(root, "link.png")).Message, StringComparison.Ordinal);
        Assert.Contains("leaves the data root", Assert.Throws<ArgumentException>(() => DataRoot.Resolve(root, "linkdir/secret.png")).Message, StringComparison.Ordinal);
        Assert.Contains("leaves the data root", Assert.Throws<ArgumentException>(() => DataRoot.Resolve(root, "linkdir/../outside/secret.png")).Message, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(DataRoot.RealPath(root), "images", "inside.png"), DataRoot.Resolve(root, "images/alias.png"));
    }

    [Fact]
    public async Task Problem_chat_and_cold_start_readers_skip_linked_images_outside_the_root_by_line()
    {
        using var tmp = new TempFolder();
        var (root, _) = Layout(tmp);
        var problems = Path.Combine(root, "p.jsonl");
        File.WriteAllLines(problems,
        [
            """{"id": "ok", "images": ["images/inside.png"], "question": "q", "answer": "1"}""",
            """{"id": "file", "images": ["link.png"], "question": "q", "answer": "1"}""",
            """{"id": "dir", "images": ["linkdir/secret.png"], "question": "q", "answer": "1"}""",
        ]);
        var report = new ReadReport();
        var read = await MathProblemJsonl.ReadAsync(problems, report: report).ToListAsync();
        Assert.Equal(["ok"], read.Select(p => p.Id));
        Assert.Equal(["p.jsonl:2", "p.jsonl:3"], report.Skipped.Select(s => s.Location));

        var chats = Path.Combine(root, "c.jsonl");
        File.WriteAllLines(chats, ["""{"conversations": [{"from": "human", "value": "<image>q"}, {"from": "gpt", "value": "a"}], "images": ["linkdir/secret.png"]}"""]);
        var chatReport = new ReadReport();
        Assert.Empty(await ChatSampleJsonl.ReadAsync(chats, report: chatReport).ToListAsync());
        Assert.Contains("leaves the data root", chatReport.Skipped.Single().Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_cold_never_uploads_a_linked_file_from_outside_the_root()
    {
        using var tmp = new TempFolder();
        var (root, _) = Layout(tmp);
        await using var server = new FakeChatServer((item, step, _) => step == "reasoning" ? "<think>x</think><answer>1</answer>" : $"text for {item}");
        var input = Path.Combine(root, "p.jsonl");
        File.WriteAllLines(input,
        [
            """{"id": "ok", "images": ["images/inside.png"], "question": "Item-001 q", "answer": "1"}""",
            """{"id": "file", "images": ["link.png"], "question": "Item-002 q", "answer": "1"}""",
            """{"id": "dir", "images": ["linkdir/secret.png"], "question": "Item-003 q", "answer": "1"}""",
        ]);
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        await CommandLine.RunAsync(["build-cold", "--input", input, "--output", tmp.File("cold/cold.jsonl"), "--endpoint", server.BaseUrl, "--model", "m"], stdout, stderr, CancellationToken.None);

        Assert.Contains("built 1,", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("unreadable input 2", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("p.jsonl:2", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("p.jsonl:3", stderr.ToString(), StringComparison.Ordinal);
        var secret = Convert.ToBase64String(Secret);
        Assert.DoesNotContain(server.Bodies.SelectMany(FakeChatServer.ImageUrls), url => url.EndsWith(secret, StringComparison.Ordinal));
        Assert.DoesNotContain(server.Hits.Keys, k => k.Item is "Item-002" or "Item-003");
    }
}
