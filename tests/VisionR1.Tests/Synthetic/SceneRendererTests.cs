using SkiaSharp;
using VisionR1.Data.Synthetic;

namespace VisionR1.Tests.Synthetic;

public sealed class SceneRendererTests(WorldFixture world) : IClassFixture<WorldFixture>
{
    private static SKBitmap Decode(byte[] png) => SKBitmap.Decode(png) ?? throw new InvalidOperationException("not a PNG");

    private static SKColor Sk(SceneColor c)
    {
        var (r, g, b) = ScenePalette.Rgb(c);
        return new SKColor(r, g, b);
    }

    private static (int X, int Y) ToPixel(float x, float y, int size) =>
        ((int)(x * size / SyntheticScene.CanvasUnits), (int)(y * size / SyntheticScene.CanvasUnits));

    [Fact]
    public void ImagesHaveTheRequestedSize()
    {
        foreach (int size in new[] { 112, 168 })
        {
            var p = new SyntheticWorldGenerator(new SyntheticWorldOptions { ImageSize = size }).Generate(SyntheticSplit.Train, 3).ToList();
            Assert.All(p, x =>
            {
                using var bmp = Decode(x.Images[0].Bytes!);
                Assert.Equal(size, bmp.Width);
                Assert.Equal(size, bmp.Height);
            });
        }
    }

    [Fact]
    public void EachShapeHasItsColourAtItsCentreAndTheBackgroundIsWhite()
    {
        var scenes = world.Train.Select(SyntheticItem.FromProblem).Where(i => i.Scene is ShapesScene).Take(40).ToList();
        foreach (var item in scenes)
        {
            var scene = (ShapesScene)item.Scene;
            using var bmp = Decode(world.Train.Single(p => p.Id == item.Id).Images[0].Bytes!);
            foreach (var s in scene.Shapes)
            {
                var (x, y) = ToPixel(s.X, s.Y, bmp.Width);
                Assert.Equal(Sk(s.Color), bmp.GetPixel(x, y));
            }
            // Pixels of saturated colour appear only where there are shapes: the count of
            // distinct coloured blobs on the 4x4 grid equals the number of shapes.
            int cell = bmp.Width / 4, occupied = 0;
            for (int cy = 0; cy < 4; cy++)
                for (int cx = 0; cx < 4; cx++)
                {
                    bool any = false;
                    for (int y = cy * cell; y < (cy + 1) * cell && !any; y++)
                        for (int x = cx * cell; x < (cx + 1) * cell && !any; x++)
                            any = bmp.GetPixel(x, y) != SKColors.White;
                    if (any) occupied++;
                }
            Assert.Equal(scene.Shapes.Count, occupied);
        }
    }

    [Fact]
    public void ShapeKindsAreDistinguishableByTheirCorners()
    {
        // A square fills the corner of its bounding box; a circle and a triangle leave it white.
        var scene = new ShapesScene([
            new SceneShape(ShapeKind.Square, SceneColor.Red, 125, 125, 100),
            new SceneShape(ShapeKind.Circle, SceneColor.Blue, 375, 125, 100),
            new SceneShape(ShapeKind.Triangle, SceneColor.Green, 625, 125, 100),
        ]);
        using var bmp = Decode(SceneRenderer.RenderPng(scene, 200));
        Assert.Equal(Sk(SceneColor.Red), bmp.GetPixel(ToPixel(125 - 80, 125 - 80, 200).X, ToPixel(125 - 80, 125 - 80, 200).Y));
        Assert.Equal(SKColors.White, bmp.GetPixel(ToPixel(375 - 80, 125 - 80, 200).X, ToPixel(375 - 80, 125 - 80, 200).Y));
        Assert.Equal(SKColors.White, bmp.GetPixel(ToPixel(625 - 80, 125 - 80, 200).X, ToPixel(625 - 80, 125 - 80, 200).Y));
        // The triangle's apex is above its centre, its base corners below.
        Assert.Equal(Sk(SceneColor.Green), bmp.GetPixel(ToPixel(625, 125 - 90, 200).X, ToPixel(625, 125 - 90, 200).Y));
    }

    [Fact]
    public void BarHeightsInPixelsMatchTheValues()
    {
        foreach (var item in world.Test.Select(SyntheticItem.FromProblem).Where(i => i.Scene is BarChartScene).Take(40))
        {
            var scene = (BarChartScene)item.Scene;
            using var bmp = Decode(world.Test.Single(p => p.Id == item.Id).Images[0].Bytes!);
            float pxPerUnit = (SceneRenderer.PlotBottom - SceneRenderer.PlotTop) / scene.AxisMax * bmp.Height / SyntheticScene.CanvasUnits;
            for (int i = 0; i < scene.Bars.Count; i++)
            {
                var bar = scene.Bars[i];
                int x = ToPixel(SceneRenderer.SlotCentre(i), 0, bmp.Width).X;
                int colourPixels = Enumerable.Range(0, bmp.Height).Count(y => bmp.GetPixel(x, y) == Sk(bar.Color));
                double measured = colourPixels / pxPerUnit;
                Assert.True(Math.Abs(measured - bar.Value) < 0.35, $"{item.Id} bar {bar.Label}: {measured:F2} measured, {bar.Value} in the scene");
            }
            // Empty slots stay empty.
            for (int i = scene.Bars.Count; i < BarChartScene.Slots; i++)
            {
                int x = ToPixel(SceneRenderer.SlotCentre(i), 0, bmp.Width).X;
                Assert.DoesNotContain(Enum.GetValues<SceneColor>(), c => Enumerable.Range(0, bmp.Height).Any(y => bmp.GetPixel(x, y) == Sk(c)));
            }
        }
    }

    [Fact]
    public void GeometryIsDrawnToScaleWithItsLabels()
    {
        foreach (var item in world.Train.Select(SyntheticItem.FromProblem).Where(i => i.Scene is GeometryScene).Take(40))
        {
            var scene = (GeometryScene)item.Scene;
            using var bmp = Decode(world.Train.Single(p => p.Id == item.Id).Images[0].Bytes!);
            var fill = Sk(scene.Color);
            var coloured = (from y in Enumerable.Range(0, bmp.Height) from x in Enumerable.Range(0, bmp.Width) where bmp.GetPixel(x, y) == fill select (x, y)).ToList();
            Assert.NotEmpty(coloured);
            double px = (double)bmp.Width / SyntheticScene.CanvasUnits;
            double width = coloured.Max(c => c.x) - coloured.Min(c => c.x) + 1, height = coloured.Max(c => c.y) - coloured.Min(c => c.y) + 1;
            if (scene.Figure == GeometryFigure.Rectangle)
            {
                // The fill sits inside a 10-unit outline: about one outline width less per side.
                Assert.InRange(width, scene.Sides[0] * scene.UnitLength * px - 6, scene.Sides[0] * scene.UnitLength * px + 1);
                Assert.InRange(height, scene.Sides[1] * scene.UnitLength * px - 6, scene.Sides[1] * scene.UnitLength * px + 1);
            }
            else
            {
                Assert.InRange(width, scene.Sides[0] * scene.UnitLength * px - 10, scene.Sides[0] * scene.UnitLength * px + 1);
            }
            // Each side's label puts dark ink near its centre.
            foreach (var c in SceneRenderer.GeometryLabelCentres(scene))
            {
                var (lx, ly) = ToPixel(c.X, c.Y, bmp.Width);
                int r = (int)(70 * px);
                bool ink = false;
                for (int y = Math.Max(0, ly - r); y < Math.Min(bmp.Height, ly + r) && !ink; y++)
                    for (int x = Math.Max(0, lx - r); x < Math.Min(bmp.Width, lx + r) && !ink; x++)
                        ink = bmp.GetPixel(x, y) is { Red: < 80, Green: < 80, Blue: < 80 };
                Assert.True(ink, $"{item.Id}: no label ink near ({lx}, {ly})");
            }
        }
    }

    [Fact]
    public void StrokeGlyphsOfDigitsAndLabelsAreAllDistinct()
    {
        var glyphs = "0123456789ABCD".Select(c =>
        {
            using var bmp = new SKBitmap(24, 32);
            using (var canvas = new SKCanvas(bmp))
            {
                canvas.Clear(SKColors.White);
                StrokeFont.DrawCentered(canvas, c.ToString(), 12, 16, 24, SKColors.Black);
            }
            return string.Concat(Enumerable.Range(0, 24 * 32).Select(i => bmp.GetPixel(i % 24, i / 24).Red < 128 ? '1' : '0'));
        }).ToList();
        Assert.Equal(glyphs.Count, glyphs.Distinct().Count());
        Assert.All(glyphs, g => Assert.Contains('1', g));
        Assert.Throws<ArgumentException>(() => StrokeFont.DrawCentered(new SKCanvas(new SKBitmap(8, 8)), "x", 4, 4, 4, SKColors.Black));
    }
}
