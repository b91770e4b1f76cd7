using SkiaSharp;

namespace VisionR1.Data.Synthetic;

/// <summary>
/// Digits and the capitals A–E drawn as straight strokes. The world draws its own glyphs
/// rather than a system font so images are identical on every machine (a headless Linux box
/// may have no fonts at all, and font rasterisers differ between platforms).
/// </summary>
internal static class StrokeFont
{
    /// <summary>Glyph width as a fraction of its height.</summary>
    public const float Aspect = 0.6f;

    // Each glyph: polylines of (x, y) in a box 0.6 wide and 1 tall, y down.
    private static readonly Dictionary<char, float[][]> Glyphs = new()
    {
        ['0'] = [[0, 0, .6f, 0, .6f, 1, 0, 1, 0, 0]],
        ['1'] = [[.1f, .2f, .35f, 0, .35f, 1], [.1f, 1, .6f, 1]],
        ['2'] = [[0, 0, .6f, 0, .6f, .5f, 0, .5f, 0, 1, .6f, 1]],
        ['3'] = [[0, 0, .6f, 0, .6f, 1, 0, 1], [.1f, .5f, .6f, .5f]],
        ['4'] = [[0, 0, 0, .55f, .6f, .55f], [.45f, 0, .45f, 1]],
        ['5'] = [[.6f, 0, 0, 0, 0, .5f, .6f, .5f, .6f, 1, 0, 1]],
        ['6'] = [[.6f, 0, 0, 0, 0, 1, .6f, 1, .6f, .5f, 0, .5f]],
        ['7'] = [[0, 0, .6f, 0, .25f, 1]],
        ['8'] = [[0, 0, .6f, 0, .6f, 1, 0, 1, 0, 0], [0, .5f, .6f, .5f]],
        ['9'] = [[.6f, .5f, 0, .5f, 0, 0, .6f, 0, .6f, 1, 0, 1]],
        ['A'] = [[0, 1, .3f, 0, .6f, 1], [.12f, .62f, .48f, .62f]],
        ['B'] = [[0, .5f, .42f, .5f, .6f, .62f, .6f, .88f, .42f, 1, 0, 1, 0, 0, .38f, 0, .54f, .1f, .54f, .4f, .38f, .5f]],
        ['C'] = [[.6f, 0, 0, 0, 0, 1, .6f, 1]],
        ['D'] = [[0, 0, 0, 1, .35f, 1, .6f, .75f, .6f, .25f, .35f, 0, 0, 0]],
        ['E'] = [[.6f, 0, 0, 0, 0, 1, .6f, 1], [0, .5f, .45f, .5f]],
    };

    /// <summary>Whether <paramref name="c"/> has a glyph.</summary>
    public static bool Supports(char c) => Glyphs.ContainsKey(c);

    /// <summary>Width of <paramref name="text"/> at glyph height <paramref name="height"/> (glyphs 0.3 height apart).</summary>
    public static float Measure(string text, float height) =>
        text.Length == 0 ? 0 : text.Length * Aspect * height + (text.Length - 1) * 0.3f * height;

    /// <summary>Draws <paramref name="text"/> centred on (<paramref name="cx"/>, <paramref name="cy"/>).</summary>
    public static void DrawCentered(SKCanvas canvas, string text, float cx, float cy, float height, SKColor color)
    {
        float x = cx - Measure(text, height) / 2;
        float y = cy - height / 2;
        using var paint = new SKPaint
        {
            Color = color,
            IsAntialias = true,
            Style = SKPaintStyle.Stroke,
            StrokeWidth = Math.Max(1.5f, height * 0.15f),
            StrokeCap = SKStrokeCap.Round,
            StrokeJoin = SKStrokeJoin.Round,
        };
        foreach (char c in text)
        {
            if (!Glyphs.TryGetValue(c, out var lines))
                throw new ArgumentException($"The stroke font has no glyph for '{c}'.", nameof(text));
            foreach (var line in lines)
            {
                using var path = new SKPath();
                path.MoveTo(x + line[0] * height, y + line[1] * height);
                for (int i = 2; i < line.Length; i += 2) path.LineTo(x + line[i] * height, y + line[i + 1] * height);
                canvas.DrawPath(path, paint);
            }
            x += (Aspect + 0.3f) * height;
        }
    }
}
