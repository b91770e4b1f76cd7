namespace VisionR1.Data.Synthetic;

/// <summary>One shape of a <see cref="ShapesScene"/>.</summary>
/// <param name="Kind">Circle, square or triangle.</param>
/// <param name="Color">Fill colour.</param>
/// <param name="X">Centre x in canvas units (0–1000, left to right).</param>
/// <param name="Y">Centre y in canvas units (0–1000, top to bottom).</param>
/// <param name="Radius">Half the shape's extent in canvas units (the disc's radius; half the square's side; the triangle's circumradius).</param>
public sealed record SceneShape(ShapeKind Kind, SceneColor Color, int X, int Y, int Radius);
