namespace VisionR1.Inputs;

/// <summary>
/// Bicubic resizing as Pillow's <c>Image.resize(..., BICUBIC)</c> does it (what the Hugging Face
/// Qwen2-VL image processor calls): a separable cubic convolution with a = −0.5 whose support
/// widens by the scale when shrinking (antialiasing), horizontal pass then vertical pass, each
/// rounded and clipped to 8 bits.
/// </summary>
public static class BicubicResampler
{
    /// <summary>Resizes <paramref name="image"/> to <paramref name="width"/> × <paramref name="height"/>.</summary>
    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (width == image.Width && height == image.Height)
        {
            return image;
        }

        var horizontal = width == image.Width ? image : ResizeHorizontal(image, width);
        return height == image.Height ? horizontal : ResizeVertical(horizontal, height);
    }

    private readonly record struct Kernel(int[] Start, int[] Count, float[] Weights, int Size);

    private static float Cubic(float x)
    {
        const float a = -0.5f;
        x = MathF.Abs(x);
        if (x < 1f)
        {
            return (((a + 2f) * x) - (a + 3f)) * x * x + 1f;
        }

        return x < 2f ? ((((x - 5f) * x) + 8f) * x - 4f) * a : 0f;
    }

    private static Kernel BuildKernel(int inSize, int outSize)
    {
        var scale = (double)inSize / outSize;
        var filterScale = Math.Max(scale, 1.0);
        var support = 2.0 * filterScale;
        var size = (int)Math.Ceiling(support) * 2 + 1;
        var start = new int[outSize];
        var count = new int[outSize];
        var weights = new float[outSize * size];
        for (var o = 0; o < outSize; o++)
        {
            var center = (o + 0.5) * scale;
            var min = Math.Max((int)(center - support + 0.5), 0);
            var max = Math.Min((int)(center + support + 0.5), inSize);
            var n = max - min;
            var sum = 0.0;
            for (var i = 0; i < n; i++)
            {
                var w = Cubic((float)((i + min - center + 0.5) / filterScale));
                weights[(o * size) + i] = w;
                sum += w;
            }

            if (sum != 0)
            {
                for (var i = 0; i < n; i++)
                {
                    weights[(o * size) + i] = (float)(weights[(o * size) + i] / sum);
                }
            }

            start[o] = min;
            count[o] = n;
        }

        return new Kernel(start, count, weights, size);
    }

    private static byte Clip(float v)
    {
        var r = (int)MathF.Floor(v + 0.5f);
        return (byte)(r < 0 ? 0 : r > 255 ? 255 : r);
    }

    private static RgbImage ResizeHorizontal(RgbImage image, int width)
    {
        var k = BuildKernel(image.Width, width);
        var src = image.Pixels;
        var dst = new byte[width * image.Height * 3];
        var inW = image.Width;
        Parallel.For(0, image.Height, y =>
        {
            var rowIn = y * inW * 3;
            var rowOut = y * width * 3;
            for (var x = 0; x < width; x++)
            {
                float r = 0, g = 0, b = 0;
                var baseW = x * k.Size;
                var p = rowIn + (k.Start[x] * 3);
                for (var i = 0; i < k.Count[x]; i++, p += 3)
                {
                    var w = k.Weights[baseW + i];
                    r += src[p] * w;
                    g += src[p + 1] * w;
                    b += src[p + 2] * w;
                }

                var q = rowOut + (x * 3);
                dst[q] = Clip(r);
                dst[q + 1] = Clip(g);
                dst[q + 2] = Clip(b);
            }
        });
        return new RgbImage(width, image.Height, dst);
    }

    private static RgbImage ResizeVertical(RgbImage image, int height)
    {
        var k = BuildKernel(image.Height, height);
        var src = image.Pixels;
        var stride = image.Width * 3;
        var dst = new byte[stride * height];
        Parallel.For(0, height, y =>
        {
            var baseW = y * k.Size;
            var acc = new float[stride];
            for (var i = 0; i < k.Count[y]; i++)
            {
                var w = k.Weights[baseW + i];
                var row = (k.Start[y] + i) * stride;
                for (var c = 0; c < stride; c++)
                {
                    acc[c] += src[row + c] * w;
                }
            }

            var outRow = y * stride;
            for (var c = 0; c < stride; c++)
            {
                dst[outRow + c] = Clip(acc[c]);
            }
        });
        return new RgbImage(image.Width, height, dst);
    }
}
