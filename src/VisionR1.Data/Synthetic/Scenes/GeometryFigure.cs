using System.Text.Json.Serialization;

namespace VisionR1.Data.Synthetic;

/// <summary>The figure of a <see cref="GeometryScene"/>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GeometryFigure>))]
public enum GeometryFigure
{
    /// <summary>An axis-aligned rectangle; sides are [width, height].</summary>
    Rectangle,
    /// <summary>A triangle with a horizontal base; sides are [base, left side, right side].</summary>
    Triangle,
}
