using System.Globalization;
using System.Text.Json;
using VisionR1.Inputs;
using VisionR1.Model.Checkpoints;
using VisionR1.Runtime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VisionR1.Tests.Parity;

/// <summary>
/// The image processor against transformers' slow <c>Qwen2VLImageProcessor</c> (Pillow 9.4) on the
/// ten images of <c>../shared/parity/images</c> under both pixel budgets: the grid exactly, the
/// resized 8-bit image byte for byte, and the normalised patches where stored.
/// </summary>
public sealed class ImageProcessorParityTests(ITestOutputHelper output)
{
    /// <summary>Index of the 20×20 image, which transformers 4.49 rejects and 4.53+ accepts.</summary>
    private const int SmallImage = 4;

    /// <summary>Index of the JPEG with EXIF orientation 6.</summary>
    private const int ExifImage = 9;

    /// <summary>Both budgets × the ten images (<see cref="Every_reference_image_is_listed"/> keeps this complete).</summary>
    public static TheoryData<string, int> Images()
    {
        var data = new TheoryData<string, int>();
        foreach (var budget in new[] { "released", "hfdefault" })
        {
            for (var i = 0; i < 10; i++)
            {
                data.Add(budget, i);
            }
        }

        return data;
    }

    [ParityFact]
    public void Every_reference_image_is_listed()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(SharedParityData.File("images", "images.json")));
        var budgets = json.RootElement.GetProperty("settings").EnumerateObject().Select(p => p.Name).Order().ToList();
        var count = json.RootElement.GetProperty("files").GetArrayLength();
        var stored = budgets.SelectMany(b => Enumerable.Range(0, count).Select(i => (b, i))).Order();
        Assert.Equal(stored, Images().Select(row => ((string)row[0], (int)row[1])).Order());
    }

    [ParityTheory]
    [MemberData(nameof(Images))]
    public void Grid_resized_bytes_and_patches_equal_transformers(string budget, int index)
    {
        var (name, minPixels, maxPixels) = ReadListing(budget, index);
        var path = SharedParityData.File("images", "source", name);
        // transformers' processor alone: alpha dropped, EXIF orientation not applied.
        var options = new ImageProcessorOptions(MinPixels: minPixels, MaxPixels: maxPixels, Rgb: RgbConversion.DropAlpha, ApplyExifOrientation: false);
        var processor = new ImageProcessor(options);
        var image = ImageDecoder.DecodeFile(path, options.MaxDecodedPixels, options.Rgb, options.ApplyExifOrientation);
        // The full processor (validation, resize, normalise, patchify) on the small images; on the
        // large ones only its smart_resize and resize, which is where parity is decided (and is fast).
        var processed = (long)image.Width * image.Height <= 200_000 ? processor.Process(image, name) : null;
        var (height, width) = ImageProcessor.SmartResize(image.Height, image.Width, VisionPatchGeometry.Qwen25VL.Factor, minPixels, maxPixels, options.MaxAspectRatio);
        int[] grid = processed is null
            ? [1, height / VisionPatchGeometry.Qwen25VL.PatchSize, width / VisionPatchGeometry.Qwen25VL.PatchSize]
            : [processed.GridT, processed.GridH, processed.GridW];

        VisionR1Runtime.Initialize("cpu");
        using var scope = NewDisposeScope();
        using var file = SafetensorsFile.Open(SharedParityData.File("images", $"ref-{budget}.safetensors"));
        var lines = new List<string>();
        var label = $"parity image {budget} {index} {name} ({image.Width}x{image.Height})";
        if (!file.Entries.ContainsKey($"grid.{index}"))
        {
            // The reference version (4.49) raised an error for this image; 4.53+ accepts it as grid [1, 4, 4].
            file.Metadata.TryGetValue($"error.{index}", out var error);
            Assert.Equal(SmallImage, index);
            lines.Add($"{label}: grid [{string.Join(", ", grid)}]; no transformers 4.49 output (it raised \"{error}\"); 4.53+ gives [1, 4, 4] " +
                      "(resized bytes are checked against Pillow 9.4 in PillowBicubicTests)");
            ParityReport.Write(output, $"image.{budget}.{index}", lines);
            Assert.Equal([1, 4, 4], grid);
            return;
        }

        var expectedGrid = file.Read($"grid.{index}").data<long>().ToArray().Select(v => (int)v).ToArray();
        var expectedResized = file.Read($"resized.{index}");
        var (h, w) = ((int)expectedResized.shape[0], (int)expectedResized.shape[1]);
        var resized = BicubicResampler.Resize(image, width, height);
        var reference = expectedResized.data<byte>().ToArray();
        var sameShape = resized.Width == w && resized.Height == h;
        int differing = sameShape ? 0 : -1, maxLevel = sameShape ? 0 : -1;
        for (var i = 0; sameShape && i < reference.Length; i++)
        {
            var d = Math.Abs(resized.Pixels[i] - reference[i]);
            differing += d == 0 ? 0 : 1;
            maxLevel = Math.Max(maxLevel, d);
        }

        var line = $"{label}: grid [{string.Join(", ", grid)}] {(grid.SequenceEqual(expectedGrid) ? "identical" : $"differs from [{string.Join(", ", expectedGrid)}]")}; " +
                   $"resized {w}x{h} bytes {(differing == 0 ? "identical" : $"{differing} of {reference.Length} differ (max {maxLevel} levels)")}";
        float? patchDifference = null;
        if (file.Entries.ContainsKey($"pixel_values.{index}"))
        {
            Assert.NotNull(processed);
            var expectedPatches = file.Read($"pixel_values.{index}");
            Assert.Equal(expectedPatches.numel(), processed.Patches.LongLength);
            var patchDiff = (tensor(processed.Patches).view(expectedPatches.shape) - expectedPatches).abs().max().item<float>();
            line += string.Create(CultureInfo.InvariantCulture, $"; pixel_values max |d| {patchDiff:0.0e+0}");
            patchDifference = patchDiff;
        }

        lines.Add(line);
        (int[] Expected, int[] Actual)? uprightGrid = null;
        if (index == ExifImage)
        {
            // transformers' load_image applies the EXIF orientation before the processor; so does the default decoder.
            var upright = new ImageProcessor(options with { ApplyExifOrientation = true }).ProcessFile(path);
            var loadImageGrid = file.Read($"grid_after_load_image.{index}").data<long>().ToArray().Select(v => (int)v);
            lines.Add($"{label}: with EXIF orientation applied grid [{upright.GridT}, {upright.GridH}, {upright.GridW}] " +
                      $"(transformers' load_image: [{string.Join(", ", loadImageGrid)}])");
            uprightGrid = (loadImageGrid.ToArray(), [upright.GridT, upright.GridH, upright.GridW]);
        }

        ParityReport.Write(output, $"image.{budget}.{index}", lines);
        Assert.Equal(expectedGrid, grid);
        Assert.True(sameShape, $"{name}: resized to {resized.Width}x{resized.Height}, transformers {w}x{h}");
        Assert.True(differing == 0, $"{name}: {differing} resized values differ from Pillow's (max {maxLevel} levels)");
        Assert.True(patchDifference is null or <= 1e-5f, $"{name}: pixel_values differ by up to {patchDifference}");
        if (uprightGrid is { } g)
        {
            Assert.Equal(g.Expected, g.Actual);
        }
    }

    [ParityFact]
    public void Composite_onto_white_differs_from_transformers_only_where_alpha_is_below_255()
    {
        // The RGBA image under the default conversion: transparent regions come out white, opaque ones as stored.
        var path = SharedParityData.File("images", "source", "h_rgba_301x199.png");
        var dropped = ImageDecoder.DecodeFile(path, long.MaxValue, RgbConversion.DropAlpha);
        var composited = ImageDecoder.DecodeFile(path, long.MaxValue);
        using var bitmap = SkiaSharp.SKBitmap.Decode(path);
        int opaque = 0, translucent = 0;
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var alpha = bitmap.GetPixel(x, y).Alpha;
                if (alpha == 255)
                {
                    opaque++;
                    Assert.Equal(dropped[x, y], composited[x, y]);
                }
                else
                {
                    translucent++;
                }
            }
        }

        Assert.True(opaque > 0 && translucent > 0, $"the RGBA reference should have both opaque ({opaque}) and translucent ({translucent}) pixels");
        var differing = dropped.Pixels.Zip(composited.Pixels).Count(p => p.First != p.Second);
        ParityReport.Write(output, "image.rgba-conversions",
        [
            $"parity image h_rgba_301x199.png: {translucent} of {opaque + translucent} pixels have alpha < 255; DropAlpha (transformers) and CompositeOntoWhite (Qwen's utilities, the default) differ on {differing} of {dropped.Pixels.Length} values, all of them there",
        ]);
        Assert.True(differing > 0);
    }

    private static (string Name, int MinPixels, int MaxPixels) ReadListing(string budget, int index)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(SharedParityData.File("images", "images.json")));
        var name = json.RootElement.GetProperty("files")[index].GetString()!;
        var setting = json.RootElement.GetProperty("settings").GetProperty(budget);
        return (name, setting[0].GetInt32(), setting[1].GetInt32());
    }
}
