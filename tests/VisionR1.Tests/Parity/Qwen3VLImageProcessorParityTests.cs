using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using VisionR1.Inputs;
using VisionR1.Model.Checkpoints;
using VisionR1.Runtime;
using VisionR1.Tests.Inputs;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VisionR1.Tests.Parity;

/// <summary>
/// The image processor at Qwen3-VL's geometry (<see cref="VisionPatchGeometry.Qwen3VL"/>) against transformers'
/// <c>Qwen2VLImageProcessor</c> (Pillow) with the released Qwen3-VL settings, through Fixtures/image-qwen3vl (written by
/// tools/parity/make_qwen3vl_image_fixture.py): the grid exactly, the resized bytes exactly (by SHA-256), the sum of
/// every <c>pixel_values</c> row in order, and the values of one full row. The fixture also records how far the fast
/// processor the released checkpoints load (torchvision's resize) is from the slow one; the report prints it.
/// </summary>
public sealed class Qwen3VLImageProcessorParityTests(ITestOutputHelper output)
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "Fixtures", "image-qwen3vl");

    private static readonly Lazy<JsonDocument> Manifest = new(() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "cases.json"))));

    private static JsonElement Root => Manifest.Value.RootElement;

    /// <summary>Indices of the fixture's cases (<see cref="Every_case_of_the_fixture_is_run"/> keeps this complete).</summary>
    public static TheoryData<int> Cases() => [0, 1, 2, 3, 4, 5, 6];

    [Fact]
    public void Every_case_of_the_fixture_is_run() =>
        Assert.Equal(Root.GetProperty("cases").GetArrayLength(), Cases().Count);

    [Fact]
    public void The_fixture_was_made_with_the_released_qwen3_vl_geometry()
    {
        var g = Root.GetProperty("geometry");
        var q = VisionPatchGeometry.Qwen3VL;
        Assert.Equal(q.PatchSize, g.GetProperty("patch_size").GetInt32());
        Assert.Equal(q.TemporalPatchSize, g.GetProperty("temporal_patch_size").GetInt32());
        Assert.Equal(q.MergeSize, g.GetProperty("merge_size").GetInt32());
        Assert.Equal(q.Mean, g.GetProperty("image_mean").EnumerateArray().Select(v => v.GetSingle()));
        Assert.Equal(q.Std, g.GetProperty("image_std").EnumerateArray().Select(v => v.GetSingle()));
        var released = Root.GetProperty("budgets").GetProperty("released").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        Assert.Equal([q.MinPixels, q.MaxPixels], released);
    }

    [Fact]
    public void Smart_resize_at_the_released_maximum_equals_transformers()
    {
        var q = VisionPatchGeometry.Qwen3VL;
        foreach (var c in Root.GetProperty("smart_resize_released").EnumerateArray())
        {
            var (h, w) = ImageProcessor.SmartResize(c.GetProperty("height").GetInt32(), c.GetProperty("width").GetInt32(), q.Factor, q.MinPixels, q.MaxPixels);
            Assert.Equal(c.GetProperty("resized").EnumerateArray().Select(v => v.GetInt32()).ToArray(), new[] { w, h });
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Grid_resized_bytes_patch_order_and_values_equal_transformers(int index)
    {
        var c = Root.GetProperty("cases")[index];
        int width = c.GetProperty("width").GetInt32(), height = c.GetProperty("height").GetInt32();
        var budget = c.GetProperty("budget").GetString()!;
        var bounds = Root.GetProperty("budgets").GetProperty(budget).EnumerateArray().Select(v => v.GetInt32()).ToArray();
        // The released budget is the geometry's default; the small one is given explicitly.
        var options = budget == "released"
            ? new ImageProcessorOptions(Geometry: VisionPatchGeometry.Qwen3VL)
            : new ImageProcessorOptions(MinPixels: bounds[0], MaxPixels: bounds[1], Geometry: VisionPatchGeometry.Qwen3VL);
        Assert.Equal((bounds[0], bounds[1]), (options.MinPixels, options.MaxPixels));
        var processor = new ImageProcessor(options);
        var source = PillowBicubicTests.Pattern(width, height);
        var name = $"pattern {width}x{height} ({budget})";
        var processed = processor.Process(source, name);

        Assert.Equal(c.GetProperty("grid").EnumerateArray().Select(v => v.GetInt32()).ToArray(), new[] { processed.GridT, processed.GridH, processed.GridW });
        Assert.Equal(c.GetProperty("resized_sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(processor.Resize(source, name).Pixels)));

        VisionR1Runtime.Initialize("cpu");
        using var scope = NewDisposeScope();
        using var file = SafetensorsFile.Open(Path.Combine(Folder, "patches.safetensors"));
        var expectedSums = file.Read($"row_sums.{index}").data<double>().ToArray();
        var expectedRow = file.Read($"row.{index}").data<float>().ToArray();
        var patches = processed.Patches;
        var dim = VisionPatchGeometry.Qwen3VL.PatchDim;
        Assert.Equal(expectedSums.Length * (long)dim, patches.LongLength);
        var sumDiff = 0.0;
        for (var r = 0; r < expectedSums.Length; r++)
        {
            var sum = 0.0;
            for (var i = 0; i < dim; i++) sum += patches[(r * dim) + i];
            sumDiff = Math.Max(sumDiff, Math.Abs(sum - expectedSums[r]));
        }

        var middle = patches.AsSpan(expectedSums.Length / 2 * dim, dim);
        var rowDiff = 0f;
        for (var i = 0; i < dim; i++) rowDiff = Math.Max(rowDiff, Math.Abs(middle[i] - expectedRow[i]));

        // How far transformers' fast processor (torchvision's uint8 resize), which the released checkpoints load, is from the slow one.
        var fast = c.TryGetProperty("fast_pixel_values_vs_slow", out var f)
            ? string.Create(CultureInfo.InvariantCulture, $"; the fast processor differs from it by at most {f.GetProperty("max_abs").GetDouble():0.0000} in {f.GetProperty("differing").GetInt32()} of {f.GetProperty("of").GetInt32()} values")
            : string.Empty;
        ParityReport.Write(output, $"image-qwen3vl.{index}", [string.Create(CultureInfo.InvariantCulture,
            $"qwen3-vl image {name}: grid [{processed.GridT}, {processed.GridH}, {processed.GridW}] identical; resized bytes identical; " +
            $"{expectedSums.Length} row sums max |d| {sumDiff:0.0e+0}; middle row max |d| {rowDiff:0.0e+0} (against the slow processor){fast}")]);
        Assert.True(rowDiff <= 1e-5f, $"middle row differs by {rowDiff}");
        Assert.True(sumDiff <= 1e-3, $"a row sum differs by {sumDiff} (rows out of order?)");
    }
}
