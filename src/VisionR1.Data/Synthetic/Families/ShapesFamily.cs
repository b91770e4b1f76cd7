namespace VisionR1.Data.Synthetic;

/// <summary>Draws <see cref="ShapesScene"/>s on a 4×4 grid of cells and counting questions about them.</summary>
internal static class ShapesFamily
{
    private const int Grid = 4;
    private const int Cell = SyntheticScene.CanvasUnits / Grid;

    public static TaskDraft Draw(WorldRandom rng, SyntheticDifficulty d)
    {
        var scene = DrawScene(rng, d);
        var builders = rng.Shuffled(Builders);
        foreach (var build in builders)
            if (build(rng, scene) is { } draft) return draft;
        // Unreachable: counting every shape always applies.
        throw new InvalidOperationException("No shapes question applies to the scene.");
    }

    private static ShapesScene DrawScene(WorldRandom rng, SyntheticDifficulty d)
    {
        int n = rng.Between(d.MinShapes, d.MaxShapes);
        int nColors = rng.Between(2, d.MaxColors);
        var colors = rng.Shuffled(Enum.GetValues<SceneColor>()).Take(nColors).OrderBy(c => c).ToList();
        var kinds = Enum.GetValues<ShapeKind>();
        var cells = rng.Shuffled(Enumerable.Range(0, Grid * Grid)).Take(n).ToList();
        var shapes = new List<SceneShape>(n);
        foreach (int cell in cells)
        {
            int radius = rng.Between(80, 100);
            // The triangle reaches 1.15 × radius from its centre; keep every shape inside its cell.
            int jitter = Math.Max(0, Cell / 2 - (int)(radius * 1.15) - 8);
            int x = Cell / 2 + Cell * (cell % Grid) + rng.Between(-jitter, jitter);
            int y = Cell / 2 + Cell * (cell / Grid) + rng.Between(-jitter, jitter);
            shapes.Add(new SceneShape(rng.Pick(kinds), rng.Pick(colors), x, y, radius));
        }
        return new ShapesScene(shapes);
    }

    private static string Kinds(ShapeKind k) => ScenePalette.Name(k) + "s";

    private static readonly Func<WorldRandom, ShapesScene, TaskDraft?>[] Builders =
    [
        (rng, s) =>
        {
            var color = rng.Pick(s.Shapes.Select(x => x.Color).Distinct().OrderBy(c => c).ToList());
            var kind = rng.Pick(Enum.GetValues<ShapeKind>());
            string c = ScenePalette.Name(color), k = Kinds(kind);
            var q = rng.Pick([$"How many {c} {k} are there?", $"Count the {c} {k}. How many are there?", $"How many {c} {k} are in the image?"]);
            return new(s, new("count_color_kind", TaskFormula.Value, [s.CountFact(color, kind)]), q);
        },
        (rng, s) =>
        {
            var kind = rng.Pick(Enum.GetValues<ShapeKind>());
            string k = Kinds(kind);
            var q = rng.Pick([$"How many {k} are there?", $"How many {k} can you see?", $"Count the {k} in the image."]);
            return new(s, new("count_kind", TaskFormula.Value, [s.CountFact(kind: kind)]), q);
        },
        (rng, s) =>
        {
            var color = rng.Pick(s.Shapes.Select(x => x.Color).Distinct().OrderBy(c => c).ToList());
            string c = ScenePalette.Name(color);
            var q = rng.Pick([$"How many {c} shapes are there?", $"How many shapes are {c}?", $"Count the {c} shapes."]);
            return new(s, new("count_color", TaskFormula.Value, [s.CountFact(color)]), q);
        },
        (rng, s) =>
        {
            var q = rng.Pick(["How many shapes are there in total?", "How many shapes are in the image?", "Count all the shapes."]);
            return new(s, new("count_all", TaskFormula.Value, [s.CountFact()]), q);
        },
        (rng, s) =>
        {
            var pairs = (from a in Enum.GetValues<ShapeKind>() from b in Enum.GetValues<ShapeKind>()
                         where s.Count(kind: a) > s.Count(kind: b) select (a, b)).ToList();
            if (pairs.Count == 0) return null;
            var (more, fewer) = rng.Pick(pairs);
            string k1 = Kinds(more), k2 = Kinds(fewer);
            var q = rng.Pick([$"How many more {k1} than {k2} are there?", $"How many more {k1} are there than {k2}?"]);
            return new(s, new("more_kind", TaskFormula.Difference, [s.CountFact(kind: more), s.CountFact(kind: fewer)]), q);
        },
        (rng, s) =>
        {
            var two = rng.Shuffled(Enum.GetValues<ShapeKind>()).Take(2).OrderBy(k => k).ToList();
            string k1 = Kinds(two[0]), k2 = Kinds(two[1]);
            var q = rng.Pick([$"How many {k1} and {k2} are there altogether?", $"What is the total number of {k1} and {k2}?"]);
            return new(s, new("sum_kinds", TaskFormula.Sum, [s.CountFact(kind: two[0]), s.CountFact(kind: two[1])]), q);
        },
        (rng, s) =>
        {
            var color = rng.Pick(s.Shapes.Select(x => x.Color).Distinct().OrderBy(c => c).ToList());
            string c = ScenePalette.Name(color);
            var q = rng.Pick([$"If all the {c} shapes were removed, how many shapes would be left?", $"Remove every {c} shape. How many shapes remain?"]);
            return new(s, new("remove_color", TaskFormula.Difference, [s.CountFact(), s.CountFact(color)]), q);
        },
        (rng, s) =>
        {
            var colors = s.Shapes.Select(x => x.Color).Distinct().OrderBy(c => c).ToList();
            if (colors.Count < 2 || SyntheticTask.UniqueArgMax(colors.Select(c => s.Count(c)).ToList()) < 0) return null;
            var options = colors.Select(ScenePalette.Name).ToList();
            var q = rng.Pick(["Which colour has the most shapes?", "Which colour appears most often?"]) + " Options: " + string.Join(", ", options) + ".";
            return new(s, new("most_color", TaskFormula.ArgMax, colors.Select(c => s.CountFact(c)).ToList(), options), q);
        },
    ];
}
