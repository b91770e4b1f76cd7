using System.Text;
using SkiaSharp;
using VisionR1.Data.Benchmarks;
using VisionR1.Data.Chat;
using VisionR1.Data.Readers;
using VisionR1.Inputs;
using VisionR1.IO;
using VisionR1.Problems;
using VisionR1.Tests.Inputs;

namespace VisionR1.Tests.Reliability;

/// <summary>
/// Inputs are bounded: an oversized line is named (file:line) and skipped while it streams past without being held in
/// memory, the good items around it are kept; fields of the wrong type are refused by name; images bound for an endpoint
/// pass the same checks as a local model's.
/// </summary>
public sealed class BoundedInputTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-bounded-");

    public void Dispose() => _dir.Delete(true);

    private string WriteLines(string name, params object[] lines)
    {
        var path = Path.Combine(_dir.FullName, name);
        using var file = new FileStream(path, FileMode.Create);
        foreach (var line in lines)
        {
            if (line is long filler)
            {
                // A line of `filler` bytes (its newline aside) written in blocks: '{"x": "aaaa…"}'.
                file.Write("{\"x\": \""u8);
                var block = new byte[1 << 16];
                Array.Fill(block, (byte)'a');
                for (long left = filler - 10 + 1; left > 0; left -= block.Length) file.Write(block, 0, (int)Math.Min(block.Length, left));
                file.Write("\"}\n"u8);
            }
            else file.Write(Encoding.UTF8.GetBytes(line + "\n"));
        }
        return path;
    }

    [Fact]
    public void The_line_reader_names_a_long_line_by_number_and_keeps_the_lines_around_it()
    {
        var path = Path.Combine(_dir.FullName, "lines.txt");
        File.WriteAllBytes(path, [.. "\uFEFFfirst\r\n"u8, .. Encoding.ASCII.GetBytes(new string('x', 5000)), .. "\n\nthird\nlast"u8]);
        using var reader = BoundedLineReader.Open(path, maxLineBytes: 100);
        var lines = new List<(int Number, string Text, long TooLong, bool Newline)>();
        while (reader.TryReadLine(out var line)) lines.Add((line.Number, line.Text, line.TooLongBytes, line.EndsWithNewline));
        Assert.Equal([(1, "first", 0L, true), (2, "", 5000L, true), (3, "", 0L, true), (4, "third", 0L, true), (5, "last", 0L, false)], lines);
        Assert.Equal(new FileInfo(path).Length, reader.Consumed);
    }

    [Fact]
    public void A_line_far_over_the_limit_is_skipped_without_holding_it()
    {
        var path = WriteLines("big.jsonl", "{\"a\": 1}", 8L << 20, "{\"a\": 2}");
        using var reader = BoundedLineReader.Open(path, maxLineBytes: 1 << 20);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var seen = new List<long>();
        while (reader.TryReadLine(out var line)) seen.Add(line.IsTooLong ? line.TooLongBytes : line.Bytes.Length);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal([8L, 8L << 20, 8L], seen);
        Assert.True(allocated < 4 << 20, $"reading an 8 MiB line with a 1 MiB limit allocated {allocated:N0} bytes");
    }

    [Fact]
    public async Task A_problem_file_with_an_oversized_line_keeps_the_good_problems_and_names_the_line()
    {
        var path = WriteLines("problems.jsonl", """{"id": "a", "question": "1+1?", "answer": "2"}""", 2L << 20, """{"id": "b", "question": "2+2?", "answer": "4"}""");
        var report = new ReadReport();
        var read = await MathProblemJsonl.ReadAsync(path, new ReadOptions(MaxLineBytes: 1 << 20), report).ToListAsync();
        Assert.Equal(["a", "b"], read.Select(p => p.Id));
        var skipped = Assert.Single(report.Skipped);
        Assert.Equal("problems.jsonl:2", skipped.Location);
        Assert.Contains("over the limit of 1,048,576 bytes", skipped.Reason, StringComparison.Ordinal);

        var e = await Assert.ThrowsAsync<DataFormatException>(async () => await MathProblemJsonl.ReadAsync(path, new ReadOptions(Strict: true, MaxLineBytes: 1 << 20)).ToListAsync());
        Assert.Equal("problems.jsonl:2", e.Location);
    }

    [Fact]
    public async Task A_chat_sample_file_with_an_oversized_line_keeps_the_good_samples()
    {
        var good = """{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}""";
        var path = WriteLines("chat.jsonl", good, 3L << 20, good);
        var report = new ReadReport();
        var read = await ChatSampleJsonl.ReadAsync(path, new ReadOptions(MaxLineBytes: 1 << 20), report).ToListAsync();
        Assert.Equal(2, read.Count);
        Assert.Equal("chat.jsonl:2", Assert.Single(report.Skipped).Location);
    }

    [Theory]
    [InlineData("""{"id": "a", "question": "q", "answer": "2", "precision": "abc"}""", "precision")]
    [InlineData("""{"id": "a", "question": "q", "answer": {"value": 2}}""", "answer")]
    public async Task Fields_of_the_wrong_type_are_refused_by_file_line_and_name_when_reading_problems(string line, string field)
    {
        var path = WriteLines("typed.jsonl", """{"id": "ok", "question": "q", "answer": "1"}""", line);
        var report = new ReadReport();
        var read = await MathProblemJsonl.ReadAsync(path, report: report).ToListAsync();
        Assert.Single(read);
        var skipped = Assert.Single(report.Skipped);
        Assert.Equal("typed.jsonl:2", skipped.Location);
        Assert.Contains($"'{field}'", skipped.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"pid": "1", "answer": "2", "precision": "abc", "question_type": "free_form", "answer_type": "float", "extraction": "2"}""", "'precision' must be a number")]
    [InlineData("""{"pid": "1", "answer": {"v": 2}, "question_type": "free_form", "answer_type": "integer", "extraction": "2"}""", "'answer' must be a string or a number, got Object")]
    public async Task MathVista_scoring_refuses_a_field_of_the_wrong_type_by_line_and_name(string line, string message)
    {
        var path = WriteLines("scored.jsonl", """{"pid": "0", "answer": "2", "question_type": "free_form", "answer_type": "integer", "extraction": "2"}""", line);
        var e = await Assert.ThrowsAsync<DataFormatException>(() => new MathVistaScorer().ScoreFileAsync(path));
        Assert.Equal("scored.jsonl:2", e.Location);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_too_elongated_for_the_model_is_refused_before_upload_by_name()
    {
        var path = Path.Combine(_dir.FullName, "strip.png");
        File.WriteAllBytes(path, ImageFixtures.Png(1, 100_000, (_, _) => SKColors.Red));
        var e = Assert.Throws<InvalidImageException>(() => ChatImages.Load(new ImageRef(path, null), "item-7", 0));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("item-7", e.Message, StringComparison.Ordinal);
        Assert.Contains("aspect ratio", e.Message, StringComparison.Ordinal);
    }
}
