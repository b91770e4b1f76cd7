using System.Text.Json.Serialization;

namespace VisionR1.Data.Synthetic;

/// <summary>
/// The ground truth of one synthetic image: everything the renderer draws, in a 1000×1000
/// unit canvas that is scaled to the requested pixel size. Serialised as JSON (with a
/// <c>type</c> discriminator) into <c>MathProblem.Metadata["scene"]</c>.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(ShapesScene), "shapes")]
[JsonDerivedType(typeof(BarChartScene), "bars")]
[JsonDerivedType(typeof(GeometryScene), "geometry")]
public abstract record SyntheticScene
{
    /// <summary>Side of the square canvas the scene coordinates live in.</summary>
    public const int CanvasUnits = 1000;

    /// <summary>The family this scene belongs to.</summary>
    [JsonIgnore]
    public abstract WorldFamily Family { get; }

    /// <summary>The facts a full description of the scene states (without derived totals).</summary>
    public abstract IReadOnlyList<SceneFact> BasicFacts();

    /// <summary>A one-sentence caption that states every basic fact ("The image shows 3 red circles and 1 blue square.").</summary>
    public abstract string Caption();
}
