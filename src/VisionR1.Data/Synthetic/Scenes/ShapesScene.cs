using System.Text.Json.Serialization;

namespace VisionR1.Data.Synthetic;

/// <summary>A white canvas with non-overlapping coloured shapes (the <see cref="WorldFamily.Shapes"/> family).</summary>
/// <param name="Shapes">The shapes, in drawing order.</param>
public sealed record ShapesScene(IReadOnlyList<SceneShape> Shapes) : SyntheticScene
{
    /// <inheritdoc />
    [JsonIgnore]
    public override WorldFamily Family => WorldFamily.Shapes;

    /// <summary>How many shapes have the colour and kind given (null matches any).</summary>
    public int Count(SceneColor? color = null, ShapeKind? kind = null) =>
        Shapes.Count(s => (color is null || s.Color == color) && (kind is null || s.Kind == kind));

    /// <summary>The counting fact for a colour and/or kind: subject "red circles", "circles", "red shapes" or "shapes".</summary>
    public SceneFact CountFact(SceneColor? color = null, ShapeKind? kind = null) =>
        new(FactKind.Count, Subject(color, kind), Count(color, kind));

    /// <summary>The plural noun phrase for a colour and/or kind ("red circles", "circles", "red shapes", "shapes").</summary>
    public static string Subject(SceneColor? color, ShapeKind? kind)
    {
        var noun = kind is { } k ? ScenePalette.Name(k) + "s" : "shapes";
        return color is { } c ? ScenePalette.Name(c) + " " + noun : noun;
    }

    /// <summary>One count per (colour, kind) present, in colour then kind order.</summary>
    public override IReadOnlyList<SceneFact> BasicFacts() =>
        Shapes.GroupBy(s => (s.Color, s.Kind))
            .OrderBy(g => g.Key.Color).ThenBy(g => g.Key.Kind)
            .Select(g => CountFact(g.Key.Color, g.Key.Kind))
            .ToList();

    /// <inheritdoc />
    public override string Caption() =>
        "The image shows " + FactText.JoinAnd(BasicFacts().Select(FactText.Compact).ToList()) + ".";
}
