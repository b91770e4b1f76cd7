using VisionR1.Inputs;
using VisionR1.Runtime;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Tests.Inputs;

/// <summary>Processed images keep 8-bit pixels and write their float patches straight into the batch, with unchanged values.</summary>
public sealed class CompactImageTests
{
    private readonly ImageProcessor _processor = new();

    [Theory]
    [InlineData(1024, 768)]
    [InlineData(300, 200)]
    [InlineData(20, 90)]
    public void Fused_patches_are_bit_for_bit_those_of_normalise_then_patchify(int width, int height)
    {
        var rgb = ImageDecoder.Decode(ImageFixtures.Png(width, height, ImageFixtures.Noise), "noise.png", long.MaxValue);
        var (planes, h, w) = _processor.ResizeAndNormalize(rgb, "noise.png");
        var expected = ImagePatches.Patchify(planes, h, w).Patches;

        var image = _processor.Process(rgb, "noise.png");
        var written = new float[image.PatchValueCount];
        image.WritePatches(written);

        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), written.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(expected, image.Patches);
        Assert.Equal((long)h * w * 3, image.ResidentBytes); // the cache counts 8-bit pixels, not 4-byte floats × 2 frames
        Assert.Throws<ArgumentException>(() => image.WritePatches(new float[written.Length - 1]));
    }

    [Fact]
    public void A_cache_of_256_MiB_holds_eight_times_more_1024x768_images_than_float_patches_would()
    {
        var image = _processor.Process(ImageFixtures.Png(1024, 768, ImageFixtures.Noise), "photo.png");
        Assert.Equal(1036L * 756 * 3, image.ResidentBytes);
        Assert.Equal(8, image.PatchValueCount * sizeof(float) / image.ResidentBytes);
    }

    [Fact]
    public void The_pixel_tensor_is_written_from_each_image_in_order()
    {
        VisionR1Runtime.Initialize("cpu");
        using var scope = NewDisposeScope();
        var a = _processor.Process(ImageFixtures.Png(60, 40, ImageFixtures.Noise), "a.png");
        var b = new ProcessedImage("b", Enumerable.Range(0, 4 * 1176).Select(i => i * 0.5f).ToArray(), 1, 2, 2);
        var special = SpecialTokenIds.Qwen25VL;
        var ids = Enumerable.Repeat(special.ImagePad, a.MergedTokenCount + b.MergedTokenCount).ToList();

        using var batch = MultimodalCollator.Collate([new TokenizedConversation(ids, ids, [a, b])], special);

        var pixels = batch.PixelValues!.data<float>().ToArray();
        Assert.Equal([.. a.Patches, .. b.Patches], pixels);
    }

    [Fact]
    public void Decoding_allocates_the_rgb_image_and_not_the_rgba_buffer()
    {
        var png = ImageFixtures.Png(1024, 768, ImageFixtures.Noise);
        ImageDecoder.Decode(png, "warm.png", long.MaxValue); // the pool's first buffer
        long before = GC.GetAllocatedBytesForCurrentThread();
        var rgb = ImageDecoder.Decode(png, "photo.png", long.MaxValue);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(1024 * 768 * 3, rgb.Pixels.Length);
        Assert.InRange(allocated, rgb.Pixels.Length, rgb.Pixels.Length + (1024 * 768 * 4 / 2)); // no 3 MiB RGBA array
    }

    [Fact]
    public void Processing_a_file_leaves_only_the_resized_pixels_it_keeps()
    {
        using var tmp = new VisionR1.Tests.Data.TempFolder();
        var path = tmp.File("photo.png");
        File.WriteAllBytes(path, ImageFixtures.Png(1024, 768, ImageFixtures.Noise));
        var expected = _processor.Process(ImageDecoder.DecodeFile(path, long.MaxValue), path).Patches;
        _processor.ProcessFile(path); // the pool's first buffers

        long before = GC.GetAllocatedBytesForCurrentThread();
        var image = _processor.ProcessFile(path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.InRange(allocated, image.ResidentBytes, image.ResidentBytes + (1 << 20)); // no decoded RGB, RGBA or intermediate arrays
        Assert.Equal(expected, image.Patches);
    }
}
