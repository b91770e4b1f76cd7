namespace VisionR1.Data.Synthetic;

/// <summary>Draws <see cref="GeometryScene"/>s (a rectangle or a triangle to scale, sides labelled) and measurement questions.</summary>
internal static class GeometryFamily
{
    /// <summary>The longest side is drawn this many canvas units long.</summary>
    private const int LongestDrawn = 600;

    public static TaskDraft Draw(WorldRandom rng, SyntheticDifficulty d)
    {
        int unit = LongestDrawn / d.MaxSide;
        var color = rng.Pick(Enum.GetValues<SceneColor>());
        int dx = rng.Between(-40, 40), dy = rng.Between(-40, 40);
        if (rng.Chance(0.5))
        {
            int w = rng.Between(d.MinSide, d.MaxSide), h = rng.Between(d.MinSide, d.MaxSide);
            var scene = new GeometryScene(GeometryFigure.Rectangle, [w, h], color, unit, dx, dy);
            return Rectangle(rng, scene);
        }
        var sides = DrawTriangle(rng, d);
        return Triangle(rng, new GeometryScene(GeometryFigure.Triangle, sides, color, unit, dx, dy));
    }

    /// <summary>Sides [base, left, right] of a clearly non-degenerate triangle whose apex lies above its base.</summary>
    private static int[] DrawTriangle(WorldRandom rng, SyntheticDifficulty d)
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int b = rng.Between(d.MinSide, d.MaxSide), l = rng.Between(d.MinSide, d.MaxSide), r = rng.Between(d.MinSide, d.MaxSide);
            bool apexAboveBase = l * l <= r * r + b * b && r * r <= l * l + b * b;
            double x = (l * l - r * r + b * b) / (2.0 * b);
            double height = Math.Sqrt(Math.Max(0, l * l - x * x));
            if (l + r > b && apexAboveBase && height >= 0.4 * Math.Max(b, Math.Max(l, r))) return [b, l, r];
        }
        int m = d.MaxSide;
        return [m, m, m];
    }

    private static TaskDraft Rectangle(WorldRandom rng, GeometryScene s)
    {
        var (w, h) = (s.SideFact(0), s.SideFact(1));
        int pick = rng.Next(s.Sides[0] == s.Sides[1] ? 3 : 4);
        return pick switch
        {
            0 => new(s, new("rect_perimeter", TaskFormula.Perimeter, [w, h]), rng.Pick(["What is the perimeter of the rectangle?", "Find the perimeter of the rectangle."])),
            1 => new(s, new("rect_area", TaskFormula.Product, [w, h]), rng.Pick(["What is the area of the rectangle?", "Find the area of the rectangle."])),
            2 => rng.Chance(0.5)
                ? new(s, new("rect_side", TaskFormula.Value, [w]), rng.Pick(["What is the width of the rectangle?", "How wide is the rectangle?"]))
                : new(s, new("rect_side", TaskFormula.Value, [h]), rng.Pick(["What is the height of the rectangle?", "How tall is the rectangle?"])),
            _ => new(s, new("rect_side_difference", TaskFormula.Difference, w.Value > h.Value ? [w, h] : [h, w]),
                rng.Pick(["How much longer is the longer side than the shorter side?", "What is the difference between the width and the height?"])),
        };
    }

    private static TaskDraft Triangle(WorldRandom rng, GeometryScene s)
    {
        var all = s.BasicFacts();
        bool allEqual = s.Sides.Distinct().Count() == 1;
        int pick = rng.Next(allEqual ? 3 : 4);
        return pick switch
        {
            0 => new(s, new("tri_perimeter", TaskFormula.Sum, all), rng.Pick(["What is the perimeter of the triangle?", "Find the perimeter of the triangle."])),
            1 => new(s, new("tri_longest", TaskFormula.Max, all), rng.Pick(["How long is the longest side of the triangle?", "What is the length of the longest side?"])),
            2 => new(s, new("tri_side", TaskFormula.Value, [all[0]]), rng.Pick(["How long is the base of the triangle?", "What is the length of the base?"])),
            _ => new(s, new("tri_side_range", TaskFormula.MaxMinusMin, all),
                rng.Pick(["What is the difference between the longest and the shortest side?", "How much longer is the longest side than the shortest side?"])),
        };
    }
}
