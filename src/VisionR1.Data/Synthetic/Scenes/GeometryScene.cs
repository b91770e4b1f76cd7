using System.Text.Json.Serialization;

namespace VisionR1.Data.Synthetic;

/// <summary>
/// A filled figure drawn to scale whose side lengths are written next to the sides as digits
/// (the <see cref="WorldFamily.Geometry"/> family).
/// </summary>
/// <param name="Figure">Rectangle or triangle.</param>
/// <param name="Sides">Rectangle: [width, height]; triangle: [base, left side, right side].</param>
/// <param name="Color">Fill colour.</param>
/// <param name="UnitLength">Canvas units per unit of length (the same for every figure of a data set).</param>
/// <param name="OffsetX">Horizontal shift of the whole drawing in canvas units (variety only).</param>
/// <param name="OffsetY">Vertical shift of the whole drawing in canvas units (variety only).</param>
public sealed record GeometryScene(GeometryFigure Figure, IReadOnlyList<int> Sides, SceneColor Color, int UnitLength, int OffsetX = 0, int OffsetY = 0) : SyntheticScene
{
    /// <inheritdoc />
    [JsonIgnore]
    public override WorldFamily Family => WorldFamily.Geometry;

    /// <summary>The side names, in the order of <see cref="Sides"/>.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> SideNames => Figure == GeometryFigure.Rectangle ? ["width", "height"] : ["base", "left side", "right side"];

    /// <summary>The name of the figure ("rectangle", "triangle").</summary>
    [JsonIgnore]
    public string FigureName => Figure == GeometryFigure.Rectangle ? "rectangle" : "triangle";

    /// <summary>The length fact of side <paramref name="index"/> ("the width is 4").</summary>
    public SceneFact SideFact(int index) => new(FactKind.Length, SideNames[index], Sides[index]);

    /// <summary>One length fact per side.</summary>
    public override IReadOnlyList<SceneFact> BasicFacts() => Enumerable.Range(0, Sides.Count).Select(SideFact).ToList();

    /// <inheritdoc />
    public override string Caption() =>
        $"The image shows a {ScenePalette.Name(Color)} {FigureName} with labelled sides: " + FactText.JoinAnd(BasicFacts().Select(FactText.Compact).ToList()) + ".";
}
