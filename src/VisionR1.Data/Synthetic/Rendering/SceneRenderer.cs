using SkiaSharp;

namespace VisionR1.Data.Synthetic;

/// <summary>
/// Draws a <see cref="SyntheticScene"/> with SkiaSharp on a white square and encodes it as PNG.
/// Deterministic: the same scene and size always give the same bytes on a given SkiaSharp build.
/// </summary>
public static class SceneRenderer
{
    /// <summary>Smallest supported image side in pixels.</summary>
    public const int MinSize = 56;

    /// <summary>Largest supported image side in pixels.</summary>
    public const int MaxSize = 2048;

    internal static readonly SKColor Ink = new(20, 20, 20);
    internal static readonly SKColor GridColor = new(200, 200, 200);

    // Bar chart layout, in canvas units.
    internal const float PlotLeft = 180, PlotRight = 960, PlotTop = 100, PlotBottom = 820, BarWidth = 110;

    // Geometry layout, in canvas units.
    internal const float RectCentreX = 560, RectCentreY = 430, TriangleBaseY = 760, LabelHeight = 120, LabelGap = 95;

    /// <summary>Renders <paramref name="scene"/> as a <paramref name="size"/>×<paramref name="size"/> PNG.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is outside [<see cref="MinSize"/>, <see cref="MaxSize"/>].</exception>
    public static byte[] RenderPng(SyntheticScene scene, int size)
    {
        ArgumentNullException.ThrowIfNull(scene);
        if (size is < MinSize or > MaxSize)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"Image size must be between {MinSize} and {MaxSize} pixels.");
        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            canvas.Scale(size / (float)SyntheticScene.CanvasUnits);
            switch (scene)
            {
                case ShapesScene s: DrawShapes(canvas, s); break;
                case BarChartScene b: DrawBars(canvas, b); break;
                case GeometryScene g: DrawGeometry(canvas, g); break;
                default: throw new ArgumentException($"No renderer for scene type {scene.GetType().Name}.", nameof(scene));
            }
            canvas.Flush();
        }
        // One fixed PNG filter instead of trying all five per row: about 3x faster to encode, about the same size.
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.Sub, 6))
            ?? throw new InvalidOperationException("SkiaSharp could not encode the image as PNG.");
        return data.ToArray();
    }

    internal static SKColor ToSk(SceneColor color)
    {
        var (r, g, b) = ScenePalette.Rgb(color);
        return new SKColor(r, g, b);
    }

    private static SKPaint Fill(SKColor color) => new() { Color = color, IsAntialias = true, Style = SKPaintStyle.Fill };

    private static SKPaint Stroke(SKColor color, float width) => new()
    {
        Color = color, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = width, StrokeJoin = SKStrokeJoin.Round,
    };

    private static void DrawShapes(SKCanvas canvas, ShapesScene scene)
    {
        foreach (var s in scene.Shapes)
        {
            using var paint = Fill(ToSk(s.Color));
            switch (s.Kind)
            {
                case ShapeKind.Circle:
                    canvas.DrawCircle(s.X, s.Y, s.Radius, paint);
                    break;
                case ShapeKind.Square:
                    canvas.DrawRect(s.X - s.Radius * 0.9f, s.Y - s.Radius * 0.9f, s.Radius * 1.8f, s.Radius * 1.8f, paint);
                    break;
                case ShapeKind.Triangle:
                    using (var path = TrianglePath(s))
                        canvas.DrawPath(path, paint);
                    break;
                default:
                    throw new ArgumentException($"Unknown shape kind {s.Kind}.", nameof(scene));
            }
        }
    }

    /// <summary>An upward equilateral triangle with circumradius 1.15 × the shape radius, centroid at the shape centre.</summary>
    private static SKPath TrianglePath(SceneShape s)
    {
        float r = s.Radius * 1.15f;
        float dx = r * MathF.Sqrt(3) / 2;
        var path = new SKPath();
        path.MoveTo(s.X, s.Y - r);
        path.LineTo(s.X + dx, s.Y + r / 2);
        path.LineTo(s.X - dx, s.Y + r / 2);
        path.Close();
        return path;
    }

    /// <summary>Canvas units per value unit of a chart.</summary>
    internal static float BarUnit(BarChartScene scene) => (PlotBottom - PlotTop) / scene.AxisMax;

    /// <summary>Centre x of bar slot <paramref name="slot"/> in canvas units.</summary>
    internal static float SlotCentre(int slot) =>
        PlotLeft + (PlotRight - PlotLeft) / BarChartScene.Slots * (slot + 0.5f);

    private static void DrawBars(SKCanvas canvas, BarChartScene scene)
    {
        float unit = BarUnit(scene);
        using var grid = Stroke(GridColor, 4);
        float tickHeight = Math.Min(60, unit * 0.75f);
        for (int v = 0; v <= scene.AxisMax; v++)
        {
            float y = PlotBottom - v * unit;
            canvas.DrawLine(PlotLeft, y, PlotRight, y, grid);
            StrokeFont.DrawCentered(canvas, FactText.N(v), PlotLeft - 60, y, tickHeight, Ink);
        }
        for (int i = 0; i < scene.Bars.Count; i++)
        {
            var bar = scene.Bars[i];
            float cx = SlotCentre(i);
            using var fill = Fill(ToSk(bar.Color));
            canvas.DrawRect(cx - BarWidth / 2, PlotBottom - bar.Value * unit, BarWidth, bar.Value * unit, fill);
            StrokeFont.DrawCentered(canvas, bar.Label, cx, PlotBottom + 90, 110, Ink);
        }
        using var axis = Stroke(Ink, 8);
        canvas.DrawLine(PlotLeft, PlotTop - 20, PlotLeft, PlotBottom, axis);
        canvas.DrawLine(PlotLeft, PlotBottom, PlotRight, PlotBottom, axis);
    }

    /// <summary>The figure's corners in canvas units (rectangle: clockwise from top-left; triangle: base-left, base-right, apex).</summary>
    internal static SKPoint[] GeometryVertices(GeometryScene scene)
    {
        float u = scene.UnitLength;
        if (scene.Figure == GeometryFigure.Rectangle)
        {
            float w = scene.Sides[0] * u, h = scene.Sides[1] * u;
            float l = RectCentreX + scene.OffsetX - w / 2, t = RectCentreY + scene.OffsetY - h / 2;
            return [new(l, t), new(l + w, t), new(l + w, t + h), new(l, t + h)];
        }
        float b = scene.Sides[0], left = scene.Sides[1], right = scene.Sides[2];
        float ax = (left * left - right * right + b * b) / (2 * b);
        float ay = MathF.Sqrt(MathF.Max(0, left * left - ax * ax));
        float minX = MathF.Min(0, ax), maxX = MathF.Max(b, ax);
        float x0 = SyntheticScene.CanvasUnits / 2f + scene.OffsetX - (minX + maxX) / 2 * u;
        float y0 = TriangleBaseY + scene.OffsetY;
        return [new(x0, y0), new(x0 + b * u, y0), new(x0 + ax * u, y0 - ay * u)];
    }

    /// <summary>Where each side's label is drawn (in the order of <see cref="GeometryScene.Sides"/>).</summary>
    internal static SKPoint[] GeometryLabelCentres(GeometryScene scene)
    {
        var v = GeometryVertices(scene);
        if (scene.Figure == GeometryFigure.Rectangle)
            return [new((v[0].X + v[1].X) / 2, v[2].Y + LabelGap), new(v[0].X - LabelGap, (v[0].Y + v[3].Y) / 2)];
        var centroid = new SKPoint((v[0].X + v[1].X + v[2].X) / 3, (v[0].Y + v[1].Y + v[2].Y) / 3);
        return [Outward(v[0], v[1], centroid), Outward(v[0], v[2], centroid), Outward(v[1], v[2], centroid)];
    }

    private static SKPoint Outward(SKPoint a, SKPoint b, SKPoint centroid)
    {
        var mid = new SKPoint((a.X + b.X) / 2, (a.Y + b.Y) / 2);
        float nx = -(b.Y - a.Y), ny = b.X - a.X;
        float len = MathF.Sqrt(nx * nx + ny * ny);
        nx /= len;
        ny /= len;
        if (nx * (mid.X - centroid.X) + ny * (mid.Y - centroid.Y) < 0)
        {
            nx = -nx;
            ny = -ny;
        }
        return new(mid.X + nx * LabelGap, mid.Y + ny * LabelGap);
    }

    private static void DrawGeometry(SKCanvas canvas, GeometryScene scene)
    {
        var v = GeometryVertices(scene);
        using var path = new SKPath();
        path.AddPoly(v, close: true);
        using (var fill = Fill(ToSk(scene.Color)))
            canvas.DrawPath(path, fill);
        using (var outline = Stroke(Ink, 10))
            canvas.DrawPath(path, outline);
        var labels = GeometryLabelCentres(scene);
        for (int i = 0; i < scene.Sides.Count; i++)
            StrokeFont.DrawCentered(canvas, FactText.N(scene.Sides[i]), labels[i].X, labels[i].Y, LabelHeight, Ink);
    }
}
