using System.Security.Cryptography;
using System.Text.Json;
using VisionR1.Inputs;
using VisionR1.Tests.Parity;
using Xunit.Abstractions;

namespace VisionR1.Tests.Inputs;

/// <summary>
/// <see cref="BicubicResampler"/> against Pillow 9.4's <c>Image.resize(..., BICUBIC)</c>, through the
/// SHA-256 digests in Fixtures/pillow/bicubic-sha256.json (written by
/// tools/parity/make_pillow_fixture.py): a synthetic pattern at odd sizes, up and down, on one axis
/// or both; the 20×20 shared image scaled to 56×56; the shared RGBA image composited onto white as
/// Qwen's utilities do.
/// </summary>
public sealed class PillowBicubicTests(ITestOutputHelper output)
{
    private sealed record Case(string Source, int Width, int Height, int[] To, string Sha256, string? Rgb, string? FileSha256);

    private static readonly Lazy<IReadOnlyList<Case>> AllCases = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "pillow", "bicubic-sha256.json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.GetProperty("cases").EnumerateArray().Select(c => new Case(
            c.GetProperty("source").GetString()!,
            c.TryGetProperty("width", out var w) ? w.GetInt32() : 0,
            c.TryGetProperty("height", out var h) ? h.GetInt32() : 0,
            c.GetProperty("to").EnumerateArray().Select(v => v.GetInt32()).ToArray(),
            c.GetProperty("sha256").GetString()!,
            c.TryGetProperty("rgb", out var rgb) ? rgb.GetString() : null,
            c.TryGetProperty("file_sha256", out var file) ? file.GetString() : null)).ToList();
    });

    /// <summary>The synthetic source of the fixture script: v(x, y, c) = (3x² + 7y + 5xy + 85c + 11(x xor y)) mod 256.</summary>
    internal static RgbImage Pattern(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        var i = 0;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    pixels[i++] = (byte)(((3 * x * x) + (7 * y) + (5 * x * y) + (85 * c) + (11 * (x ^ y))) % 256);
                }
            }
        }

        return new RgbImage(width, height, pixels);
    }

    private static string Digest(RgbImage image) => Convert.ToHexStringLower(SHA256.HashData(image.Pixels));

    [Fact]
    public void Resizes_of_a_pattern_equal_pillow_byte_for_byte_up_and_down()
    {
        var cases = AllCases.Value.Where(c => c.Source == "pattern").ToList();
        Assert.True(cases.Count >= 20, $"expected the fixture's pattern cases, found {cases.Count}");
        Assert.Contains(cases, c => c.To[0] > c.Width && c.To[1] > c.Height);
        Assert.Contains(cases, c => c.To[0] < c.Width && c.To[1] < c.Height);
        Assert.Contains(cases, c => c.To[0] == c.Width != (c.To[1] == c.Height));
        var failures = new List<string>();
        foreach (var c in cases)
        {
            var resized = BicubicResampler.Resize(Pattern(c.Width, c.Height), c.To[0], c.To[1]);
            Assert.Equal((c.To[0], c.To[1]), (resized.Width, resized.Height));
            if (Digest(resized) != c.Sha256)
            {
                failures.Add($"{c.Width}x{c.Height} -> {c.To[0]}x{c.To[1]}");
            }
        }

        output.WriteLine($"{cases.Count - failures.Count} of {cases.Count} pattern resizes equal Pillow 9.4");
        Assert.True(failures.Count == 0, "differ from Pillow: " + string.Join(", ", failures));
    }

    [Fact]
    public void A_one_level_difference_misses_the_digest()
    {
        // The fixture can tell a near-miss from the real thing: the same digests miss when a single
        // output value moves by one level.
        var c = AllCases.Value.First(c => c.Source == "pattern" && c.To[0] < c.Width && c.To[1] < c.Height);
        var resized = BicubicResampler.Resize(Pattern(c.Width, c.Height), c.To[0], c.To[1]);
        Assert.Equal(c.Sha256, Digest(resized));
        var nudged = (byte[])resized.Pixels.Clone();
        nudged[nudged.Length / 2] ^= 1;
        Assert.NotEqual(c.Sha256, Digest(new RgbImage(resized.Width, resized.Height, nudged)));
    }

    [ParityFact]
    public void Shared_images_not_covered_by_the_transformers_references_equal_pillow()
    {
        var cases = AllCases.Value.Where(c => c.Source.StartsWith("shared:", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(cases);
        var lines = new List<string>();
        foreach (var c in cases)
        {
            var name = c.Source["shared:".Length..];
            var conversion = Enum.Parse<RgbConversion>(c.Rgb!);
            var path = SharedParityData.File("images", "source", name);
            Assert.True(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) == c.FileSha256,
                $"{path} is not the file the digests were made from: run tools/parity/make_pillow_fixture.py --shared {SharedParityData.Require()}");
            var image = ImageDecoder.DecodeFile(path, long.MaxValue, conversion);
            var resized = BicubicResampler.Resize(image, c.To[0], c.To[1]);
            var same = Digest(resized) == c.Sha256;
            lines.Add($"parity pillow {name} {conversion} {image.Width}x{image.Height} -> {c.To[0]}x{c.To[1]}: bytes {(same ? "identical" : "DIFFER")} (Pillow 9.4)");
        }

        ParityReport.Write(output, "image.pillow-extra", lines);
        Assert.All(lines, l => Assert.Contains("identical", l));
    }
}
