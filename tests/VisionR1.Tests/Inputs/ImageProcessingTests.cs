using SkiaSharp;
using VisionR1.Inputs;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Inputs;

public sealed class ImageProcessingTests
{
    private readonly ImageProcessor _processor = new();

    [Fact]
    public void A_1024x768_png_becomes_the_expected_grid()
    {
        var png = ImageFixtures.Png(1024, 768, ImageFixtures.Noise);
        var image = _processor.Process(png, "photo.png");
        Assert.Equal((1, 54, 74), (image.GridT, image.GridH, image.GridW)); // 756/14, 1036/14
        Assert.Equal(54 * 74 / 4, image.MergedTokenCount);
        Assert.Equal(54 * 74 * 1176, image.Patches.Length);
        Assert.Equal((1036, 756), (image.Width, image.Height));
    }

    [Fact]
    public void Max_pixels_option_caps_image_tokens()
    {
        var capped = new ImageProcessor(new ImageProcessorOptions(MaxPixels: 64 * 28 * 28));
        var image = capped.Process(ImageFixtures.Png(1024, 768, ImageFixtures.Noise), "big.png");
        Assert.InRange(image.MergedTokenCount, 1, 64);
        var raised = new ImageProcessor(new ImageProcessorOptions(MinPixels: 256 * 28 * 28));
        Assert.True(raised.Process(ImageFixtures.Png(56, 56, ImageFixtures.Noise), "small.png").MergedTokenCount >= 256);
    }

    [Fact]
    public void Unpatchify_inverts_patchify_for_both_frames()
    {
        var rgb = ImageDecoder.Decode(ImageFixtures.Png(300, 200, ImageFixtures.Noise), "noise.png", long.MaxValue);
        var (planes, height, width) = _processor.ResizeAndNormalize(rgb, "noise.png");
        var image = _processor.Process(rgb, "noise.png");
        var frames = ImagePatches.Unpatchify(image.Patches, image.GridT, image.GridH, image.GridW);
        Assert.Equal(2 * planes.Length, frames.Length);
        Assert.Equal(planes, frames.AsSpan(0, planes.Length).ToArray());
        Assert.Equal(planes, frames.AsSpan(planes.Length).ToArray());
        Assert.Equal((height, width), (image.Height, image.Width));
    }

    [Fact]
    public void Patch_order_matches_the_reference_reshape_and_permute()
    {
        VisionR1Runtime.Initialize("cpu");
        using var scope = NewDisposeScope();
        const int h = 56, w = 84;
        var planes = Enumerable.Range(0, 3 * h * w).Select(i => (float)i).ToArray();
        var (patches, gt, gh, gw) = ImagePatches.Patchify(planes, h, w);
        // HF: stack 2 frames → (t=1, 2, C, gh/2, 2, 14, gw/2, 2, 14) → permute(0,3,6,4,7,2,1,5,8) → (N, 1176).
        var reference = tensor(planes, [1, 3, h, w]).repeat(2, 1, 1, 1)
            .reshape(1, 2, 3, gh / 2, 2, 14, gw / 2, 2, 14)
            .permute(0, 3, 6, 4, 7, 2, 1, 5, 8)
            .reshape(gt * gh * gw, 1176);
        Assert.Equal(reference.data<float>().ToArray(), patches);
    }

    [Fact]
    public void Normalisation_uses_the_qwen_mean_and_std()
    {
        var white = new RgbImage(28, 28, Enumerable.Repeat((byte)255, 28 * 28 * 3).ToArray());
        var planes = ImageProcessor.Normalize(white);
        Assert.Equal((1 - 0.48145466f) / 0.26862954f, planes[0], 4);
        Assert.Equal((1 - 0.4578275f) / 0.26130258f, planes[28 * 28], 4);
        Assert.Equal((1 - 0.40821073f) / 0.27577711f, planes[2 * 28 * 28], 4);
    }

    [Fact]
    public void Bicubic_keeps_constant_images_constant_and_preserves_the_mean()
    {
        var gray = new RgbImage(50, 30, Enumerable.Repeat((byte)77, 50 * 30 * 3).ToArray());
        Assert.All(BicubicResampler.Resize(gray, 84, 56).Pixels, v => Assert.Equal(77, v));
        Assert.All(BicubicResampler.Resize(gray, 28, 28).Pixels, v => Assert.Equal(77, v));

        var noise = ImageDecoder.Decode(ImageFixtures.Png(200, 200, ImageFixtures.Noise), "n.png", long.MaxValue);
        var small = BicubicResampler.Resize(noise, 50, 50);
        Assert.InRange(small.Pixels.Average(b => b) - noise.Pixels.Average(b => b), -2.0, 2.0);
    }

    [Fact]
    public void Bicubic_upscale_of_a_step_overshoots_like_a_cubic_with_a_minus_half()
    {
        // A 4-pixel row 0,0,255,255 doubled: Catmull-Rom-style ringing gives values outside the input near the edge (then clipped).
        var row = new RgbImage(4, 1, [0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255]);
        var up = BicubicResampler.Resize(row, 8, 1);
        var reds = Enumerable.Range(0, 8).Select(x => (int)up[x, 0].R).ToArray();
        Assert.Equal(reds.OrderBy(v => v), reds); // monotone
        Assert.Equal(0, reds[0]);
        Assert.Equal(255, reds[7]);
        // x = 3 samples at 1.75: weights at distances 1.25, 0.25, 0.75, 1.75 are
        // −0.0703125, 0.8671875, 0.2265625, −0.0234375 → 255 · (0.2265625 − 0.0234375) = 51.8 → 52.
        Assert.Equal(52, reds[3]);
        Assert.Equal(203, reds[4]); // mirror image: 255 · (0.8671875 − 0.0703125) = 203.2
    }

    public static TheoryData<string> Formats() => ["png", "jpeg", "webp", "gif", "bmp"];

    [Theory]
    [MemberData(nameof(Formats))]
    public void Every_supported_format_decodes(string format)
    {
        const int w = 64, h = 48;
        byte[] data = format switch
        {
            "png" => ImageFixtures.Encode(w, h, (x, y) => ImageFixtures.LeftRedRightBlue(x, y, w), SKEncodedImageFormat.Png),
            "jpeg" => ImageFixtures.Encode(w, h, (x, y) => ImageFixtures.LeftRedRightBlue(x, y, w), SKEncodedImageFormat.Jpeg),
            "webp" => ImageFixtures.Encode(w, h, (x, y) => ImageFixtures.LeftRedRightBlue(x, y, w), SKEncodedImageFormat.Webp),
            "bmp" => ImageFixtures.Bmp(w, h, (x, y) => ImageFixtures.LeftRedRightBlue(x, y, w)),
            _ => ImageFixtures.Gif(w, h, [SKColors.Red, SKColors.Blue],
                Enumerable.Range(0, w * h).Select(i => (byte)(i % w < w / 2 ? 0 : 1)).ToArray()),
        };
        var rgb = ImageDecoder.Decode(data, "sample." + format, long.MaxValue);
        Assert.Equal((w, h), (rgb.Width, rgb.Height));
        AssertClose((255, 0, 0), rgb[8, 20], 40);
        AssertClose((0, 0, 255), rgb[56, 20], 40);
        // 48 → round(1.71) = 2, 64 → round(2.29) = 2: 56×56 pixels = 4×4 patches = 4 merged tokens.
        Assert.Equal(4, _processor.Process(data, "sample." + format).MergedTokenCount);
    }

    [Fact]
    public void Gif_uses_the_first_frame()
    {
        var first = Enumerable.Repeat((byte)2, 32 * 32).ToArray();
        var second = Enumerable.Repeat((byte)1, 32 * 32).ToArray();
        var gif = ImageFixtures.Gif(32, 32, [SKColors.Black, SKColors.Blue, SKColors.Lime], first, second);
        var rgb = ImageDecoder.Decode(gif, "anim.gif", long.MaxValue);
        AssertClose((0, 255, 0), rgb[16, 16], 0);
    }

    [Fact]
    public void Exif_orientation_is_applied()
    {
        // Stored 64×32: left half red, right half blue. Orientation 6 = rotate 90° clockwise for display.
        var jpeg = ImageFixtures.Encode(64, 32, (x, y) => ImageFixtures.LeftRedRightBlue(x, y, 64), SKEncodedImageFormat.Jpeg);
        var rotated = ImageDecoder.Decode(ImageFixtures.WithExifOrientation(jpeg, 6), "phone.jpg", long.MaxValue);
        Assert.Equal((32, 64), (rotated.Width, rotated.Height));
        AssertClose((255, 0, 0), rotated[16, 8], 40); // the left (red) edge is now on top
        AssertClose((0, 0, 255), rotated[16, 56], 40);

        var plain = ImageDecoder.Decode(jpeg, "plain.jpg", long.MaxValue);
        Assert.Equal((64, 32), (plain.Width, plain.Height));

        // Opting out keeps the stored grid, as transformers' processor sees a bare PIL image.
        var stored = ImageDecoder.Decode(ImageFixtures.WithExifOrientation(jpeg, 6), "phone.jpg", long.MaxValue, applyOrientation: false);
        Assert.Equal(plain.Pixels, stored.Pixels);
        var processed = new ImageProcessor(new ImageProcessorOptions(ApplyExifOrientation: false)).Process(ImageFixtures.WithExifOrientation(jpeg, 6), "phone.jpg");
        Assert.Equal((84, 56), (processed.Width, processed.Height)); // upright it would be 56 × 84
    }

    [Fact]
    public void Every_orientation_maps_pixels_as_exif_defines()
    {
        // 3×2 image with distinct values; compare against the EXIF definitions by corner.
        var source = new RgbImage(3, 2, Enumerable.Range(0, 18).Select(i => (byte)(i / 3)).ToArray()); // pixel index k → value k
        byte At(RgbImage im, int x, int y) => im[x, y].R;
        var expectedTopLeft = new Dictionary<SKEncodedOrigin, byte>
        {
            [SKEncodedOrigin.TopLeft] = 0, [SKEncodedOrigin.TopRight] = 2, [SKEncodedOrigin.BottomRight] = 5, [SKEncodedOrigin.BottomLeft] = 3,
            [SKEncodedOrigin.LeftTop] = 0, [SKEncodedOrigin.RightTop] = 3, [SKEncodedOrigin.RightBottom] = 5, [SKEncodedOrigin.LeftBottom] = 2,
        };
        foreach (var (origin, value) in expectedTopLeft)
        {
            var turned = ImageDecoder.ApplyOrientation(source, origin);
            Assert.Equal(value, At(turned, 0, 0));
            var swaps = (int)origin >= 5;
            Assert.Equal(swaps ? (2, 3) : (3, 2), (turned.Width, turned.Height));
        }
    }

    [Fact]
    public void Transparency_is_flattened_onto_white()
    {
        var png = ImageFixtures.Png(30, 30, (x, _) => x < 10 ? new SKColor(255, 0, 0, 0) : x < 20 ? new SKColor(255, 0, 0, 128) : new SKColor(0, 0, 255, 255));
        var rgb = ImageDecoder.Decode(png, "alpha.png", long.MaxValue);
        AssertClose((255, 255, 255), rgb[5, 5], 0);
        AssertClose((255, 127, 127), rgb[15, 5], 1);
        AssertClose((0, 0, 255), rgb[25, 5], 0);
    }

    [Fact]
    public void Dropping_alpha_keeps_the_stored_colour_as_transformers_does()
    {
        var png = ImageFixtures.Png(30, 30, (x, _) => x < 10 ? new SKColor(255, 0, 0, 0) : x < 20 ? new SKColor(255, 0, 0, 128) : new SKColor(0, 0, 255, 255));
        var rgb = ImageDecoder.Decode(png, "alpha.png", long.MaxValue, RgbConversion.DropAlpha);
        AssertClose((255, 0, 0), rgb[5, 5], 0); // invisible red stays red
        AssertClose((255, 0, 0), rgb[15, 5], 0);
        AssertClose((0, 0, 255), rgb[25, 5], 0);

        var white = _processor.Process(png, "alpha.png");
        var dropped = new ImageProcessor(new ImageProcessorOptions(Rgb: RgbConversion.DropAlpha)).Process(png, "alpha.png");
        Assert.NotEqual(white.Patches, dropped.Patches);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageDecoder.Decode(png, "alpha.png", long.MaxValue, (RgbConversion)7));
    }

    [Fact]
    public void Images_smaller_than_the_factor_are_scaled_up_as_transformers_4_53_does()
    {
        var png = ImageFixtures.Png(20, 20, ImageFixtures.Noise);
        var processed = _processor.Process(png, "small.png");
        Assert.Equal((1, 4, 4), (processed.GridT, processed.GridH, processed.GridW));
        Assert.Equal((56, 56), ImageProcessor.SmartResize(20, 20));
        var strict = new ImageProcessor(new ImageProcessorOptions(MinImageSide: 28));
        Assert.Contains("at least 28", Assert.Throws<InvalidImageException>(() => strict.Process(png, "small.png")).Message);
    }

    [Fact]
    public void Rendered_bitmaps_are_accepted_directly()
    {
        using var bitmap = ImageFixtures.Bitmap(100, 60, ImageFixtures.Noise);
        var fromBitmap = _processor.Process(bitmap, "scene#1");
        var fromPng = _processor.Process(ImageFixtures.Png(100, 60, ImageFixtures.Noise), "scene#1.png");
        Assert.Equal(fromPng.Patches, fromBitmap.Patches);
    }

    public static TheoryData<string> BadImages() =>
        ["empty", "png-bad-data", "truncated-png", "truncated-jpeg", "corrupt", "png-garbage", "one-pixel", "20000x20", "wide-ratio", "bomb-header", "over-budget", "missing-file"];

    [Theory]
    [MemberData(nameof(BadImages))]
    public void Bad_images_fail_with_a_clear_error_naming_the_source(string kind)
    {
        var source = $"bad/{kind}.img";
        var processor = kind switch
        {
            "over-budget" => new ImageProcessor(new ImageProcessorOptions(MaxDecodedPixels: 1_000_000)),
            "one-pixel" => new ImageProcessor(new ImageProcessorOptions(MinImageSide: 28)), // accepted by default, as transformers 4.53+ does
            _ => _processor,
        };
        var noisePng = ImageFixtures.Png(64, 64, ImageFixtures.Noise);
        var noiseJpeg = ImageFixtures.Encode(64, 64, ImageFixtures.Noise, SKEncodedImageFormat.Jpeg);
        var (data, expected) = kind switch
        {
            "empty" => (Array.Empty<byte>(), "is empty"),
            "truncated-png" => (noisePng[..(noisePng.Length / 2)], "truncated"),
            "truncated-jpeg" => (noiseJpeg[..(noiseJpeg.Length / 2)], "truncated"),
            "corrupt" => (Enumerable.Range(0, 500).Select(i => (byte)(i * 73 % 251)).ToArray(), "corrupt or not a supported image format"),
            "png-garbage" => ([.. noisePng[..40], .. Enumerable.Repeat((byte)0x5A, 300)], "corrupt"),
            "png-bad-data" => (CorruptMiddle(noisePng), "could not be decoded"),
            "one-pixel" => (ImageFixtures.Png(1, 1, (_, _) => SKColors.Red), "1×1 pixels"),
            "20000x20" => (ImageFixtures.Png(20000, 20, (_, _) => SKColors.Gray), "20000×20 pixels"),
            "wide-ratio" => (ImageFixtures.Png(6000, 28, (_, _) => SKColors.Gray), "aspect ratio"),
            "bomb-header" => (ImageFixtures.PngHeaderOnly(100_000, 100_000), "decode budget"),
            "over-budget" => (ImageFixtures.Png(1100, 1000, (_, _) => SKColors.Gray), "decode budget"),
            _ => (null, "cannot be read"),
        };
        var ex = data is null
            ? Assert.Throws<InvalidImageException>(() => processor.ProcessFile(source))
            : Assert.Throws<InvalidImageException>(() => processor.Process(data, source));
        Assert.StartsWith($"Image '{source}'", ex.Message);
        Assert.Contains(expected, ex.Message);
        Assert.Equal(source, ex.ImageSource);
    }

    [Fact]
    public void Files_are_decoded_like_bytes_and_empty_files_are_named()
    {
        using var temp = new TempFolder();
        var png = ImageFixtures.Png(90, 70, ImageFixtures.Noise);
        var path = Path.Combine(temp.Path, "scene.png");
        File.WriteAllBytes(path, png);
        Assert.Equal(_processor.Process(png, "x").Patches, _processor.ProcessFile(path).Patches);

        var empty = Path.Combine(temp.Path, "empty.png");
        File.WriteAllBytes(empty, []);
        var ex = Assert.Throws<InvalidImageException>(() => _processor.ProcessFile(empty));
        Assert.Equal($"Image '{empty}' is empty (0 bytes).", ex.Message);

        var bomb = Path.Combine(temp.Path, "bomb.png");
        File.WriteAllBytes(bomb, ImageFixtures.PngHeaderOnly(50_000, 50_000));
        Assert.Contains("decode budget", Assert.Throws<InvalidImageException>(() => _processor.ProcessFile(bomb)).Message);
    }

    private static byte[] CorruptMiddle(byte[] png)
    {
        var copy = (byte[])png.Clone();
        for (var i = copy.Length / 2; i < (copy.Length / 2) + 64; i++)
        {
            copy[i] ^= 0xA5;
        }

        return copy;
    }

    private static void AssertClose((int R, int G, int B) expected, (byte R, byte G, byte B) actual, int tolerance)
    {
        Assert.InRange(actual.R, expected.R - tolerance, expected.R + tolerance);
        Assert.InRange(actual.G, expected.G - tolerance, expected.G + tolerance);
        Assert.InRange(actual.B, expected.B - tolerance, expected.B + tolerance);
    }
}
