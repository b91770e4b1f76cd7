using System.Text;

namespace VisionR1.Tests.Cli;

/// <summary>`vr1 sft` skips a sample longer than the token limit by name; `vr1 verify` keeps the good pairs around an oversized line or a mistyped field.</summary>
public sealed class BoundedInputCliTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-bounded-cli-");

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public async Task Sft_names_and_skips_a_sample_over_the_token_limit_before_building_tensors()
    {
        var model = Path.Combine(_dir.FullName, "model");
        var init = await Vr1.Run("init-model", "--preset", "tiny", "--out", model, "--seed", "1");
        Assert.True(init.Code == 0, init.Err);
        static string Sample(string answer) => $$"""{"messages": [{"role": "user", "content": "What is 1+1?"}, {"role": "assistant", "content": "{{answer}}"}]}""";
        var data = Path.Combine(_dir.FullName, "sft.jsonl");
        File.WriteAllLines(data, [Sample("2"), Sample(string.Join(' ', Enumerable.Repeat("two", 2000))), Sample("two")]);

        var r = await Vr1.Run("sft", "--model", model, "--data", data, "--out", Path.Combine(_dir.FullName, "run"), "--epochs", "1", "--batch", "2", "--accum", "1",
            "--threads", "1", "--max-sample-tokens", "200", "--max-steps", "1");

        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Contains("sft: 2 conversations (1 skipped)", r.Out, StringComparison.Ordinal);
        Assert.Contains($"{data}:2", r.Err, StringComparison.Ordinal);
        Assert.Contains("tokens, over the limit of 200", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_keeps_the_pairs_around_an_oversized_line_and_names_a_mistyped_precision()
    {
        var input = Path.Combine(_dir.FullName, "pairs.jsonl");
        using (var file = new FileStream(input, FileMode.Create))
        {
            file.Write("{\"gold\": \"2\", \"prediction\": \"2\"}\n"u8);
            file.Write("{\"gold\": \""u8);
            var block = new byte[1 << 20];
            Array.Fill(block, (byte)'7');
            for (int i = 0; i < 17; i++) file.Write(block); // 17 MiB: over the 16 MiB default
            file.Write("\", \"prediction\": \"7\"}\n"u8);
            file.Write("{\"gold\": \"0.5\", \"prediction\": \"0.5\", \"precision\": \"abc\"}\n"u8);
            file.Write("{\"gold\": \"3\", \"prediction\": \"4\"}\n"u8);
        }
        var output = Path.Combine(_dir.FullName, "verified.jsonl");

        var r = await Vr1.Run("verify", "--input", input, "--output", output, "--threads", "1");

        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(2, File.ReadAllLines(output, Encoding.UTF8).Length);
        Assert.Contains($"{input}:2: line of 17,825,8", r.Err, StringComparison.Ordinal);
        Assert.Contains("over the limit of 16,777,216 bytes", r.Err, StringComparison.Ordinal);
        Assert.Contains($"{input}:3: field \"precision\" must be a number, got \"abc\"", r.Err, StringComparison.Ordinal);
        Assert.Contains("verified 2 pairs: 1 equal, 1 unequal, 2 malformed", r.Err, StringComparison.Ordinal);
    }
}
