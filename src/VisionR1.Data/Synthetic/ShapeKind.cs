using System.Text.Json.Serialization;

namespace VisionR1.Data.Synthetic;

/// <summary>The kinds of shape drawn in the <see cref="WorldFamily.Shapes"/> family.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ShapeKind>))]
public enum ShapeKind
{
    /// <summary>A filled disc.</summary>
    Circle,
    /// <summary>A filled axis-aligned square.</summary>
    Square,
    /// <summary>A filled triangle pointing up.</summary>
    Triangle,
}
