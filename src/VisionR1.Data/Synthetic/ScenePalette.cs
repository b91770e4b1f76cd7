namespace VisionR1.Data.Synthetic;

/// <summary>RGB values and English names of the scene colours and shape kinds.</summary>
public static class ScenePalette
{
    /// <summary>The exact RGB value a colour is painted with.</summary>
    public static (byte R, byte G, byte B) Rgb(SceneColor color) => color switch
    {
        SceneColor.Red => (220, 30, 30),
        SceneColor.Green => (20, 160, 40),
        SceneColor.Blue => (30, 70, 230),
        SceneColor.Yellow => (240, 190, 0),
        _ => throw new ArgumentOutOfRangeException(nameof(color), color, "Unknown scene colour."),
    };

    /// <summary>The lower-case English name of a colour ("red").</summary>
    public static string Name(SceneColor color) => color switch
    {
        SceneColor.Red => "red",
        SceneColor.Green => "green",
        SceneColor.Blue => "blue",
        SceneColor.Yellow => "yellow",
        _ => throw new ArgumentOutOfRangeException(nameof(color), color, "Unknown scene colour."),
    };

    /// <summary>The lower-case singular English name of a shape kind ("circle").</summary>
    public static string Name(ShapeKind kind) => kind switch
    {
        ShapeKind.Circle => "circle",
        ShapeKind.Square => "square",
        ShapeKind.Triangle => "triangle",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown shape kind."),
    };
}
