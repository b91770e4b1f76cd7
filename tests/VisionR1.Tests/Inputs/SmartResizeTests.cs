using VisionR1.Inputs;

namespace VisionR1.Tests.Inputs;

public sealed class SmartResizeTests
{
    /// <summary>
    /// The formula, written out independently of the implementation (Python's round = ties to even).
    /// </summary>
    private static (int H, int W) Reference(int h, int w, int min, int max)
    {
        const int f = 28;
        var hb = (int)Math.Round(h / 28.0, MidpointRounding.ToEven) * f;
        var wb = (int)Math.Round(w / 28.0, MidpointRounding.ToEven) * f;
        if ((long)hb * wb > max)
        {
            var beta = Math.Sqrt((double)h * w / max);
            return (Math.Max(f, (int)Math.Floor(h / beta / f) * f), Math.Max(f, (int)Math.Floor(w / beta / f) * f));
        }

        if ((long)hb * wb < min)
        {
            var beta = Math.Sqrt((double)min / ((double)h * w));
            return ((int)Math.Ceiling(h * beta / f) * f, (int)Math.Ceiling(w * beta / f) * f);
        }

        return (hb, wb);
    }

    // Expected values worked by hand from the formula (and checked against Python's math):
    [Theory]
    [InlineData(224, 224, 3136, 12_845_056, 224, 224)] // already a multiple
    [InlineData(768, 1024, 3136, 12_845_056, 756, 1036)] // 27.43 → 27, 36.57 → 37
    [InlineData(42, 100, 3136, 12_845_056, 56, 112)] // tie 1.5 → 2 (even)
    [InlineData(70, 70, 3136, 12_845_056, 56, 56)] // tie 2.5 → 2 (even, not 3): 56·56 = 3136 is not below min
    [InlineData(98, 98, 3136, 12_845_056, 112, 112)] // tie 3.5 → 4 (even)
    [InlineData(28, 28, 3136, 12_845_056, 56, 56)] // below min: β = 2, ceil → 56
    [InlineData(30, 60, 3136, 12_845_056, 56, 84)] // below min: β = √(3136/1800) = 1.32 → ceil 1.41, 2.83 → 2, 3 patches of 28
    [InlineData(4000, 6000, 3136, 12_845_056, 2912, 4368)] // above max: β = 1.3669 → floor 104.5, 156.8 → 104, 156
    [InlineData(1000, 1000, 3136, 12_544, 112, 112)] // a user cap of 16 merged tokens: β = 8.93 → 4 × 28
    [InlineData(500, 700, 3136, 200_704, 364, 504)] // cap 256 tokens: 504·700 > max → β = 1.3204 → 13, 18
    [InlineData(14, 2800, 3136, 12_845_056, 28, 812)] // ratio exactly 200 is allowed; 0.5 → 0, below min → ceil
    public void Smart_resize_matches_the_formula(int h, int w, int min, int max, int expectedH, int expectedW)
    {
        var actual = ImageProcessor.SmartResize(h, w, 28, min, max);
        Assert.Equal((expectedH, expectedW), actual);
        Assert.Equal(Reference(h, w, min, max), actual);
        Assert.Equal(0, actual.Height % 28);
        Assert.Equal(0, actual.Width % 28);
    }

    [Fact]
    public void Smart_resize_stays_within_limits_on_many_sizes()
    {
        var random = new Random(11);
        for (var n = 0; n < 2000; n++)
        {
            var h = random.Next(28, 5000);
            var w = random.Next(Math.Max(28, h / 100), Math.Min(5000, h * 100));
            var (rh, rw) = ImageProcessor.SmartResize(h, w, 28, 3136, 1_003_520);
            Assert.Equal(Reference(h, w, 3136, 1_003_520), (rh, rw));
            Assert.InRange((long)rh * rw, 3136, 1_003_520);
        }
    }

    [Fact]
    public void Aspect_ratio_over_200_is_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => ImageProcessor.SmartResize(20, 20000));
        Assert.Contains("aspect ratio", ex.Message);
        Assert.Throws<ArgumentException>(() => ImageProcessor.SmartResize(100, 20_100));
    }
}
