using System.Text.Json.Serialization;

namespace VisionR1.Data.Synthetic;

/// <summary>A task family of the synthetic visual-math world.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WorldFamily>))]
public enum WorldFamily
{
    /// <summary>Coloured circles, squares and triangles: counting by colour and kind, then simple arithmetic (the easy family).</summary>
    Shapes,
    /// <summary>A bar chart of 2–4 labelled bars with integer heights on a grid: reading, comparing and summing values.</summary>
    Bars,
    /// <summary>A rectangle or triangle drawn to scale with side lengths written as digits: reading a side, perimeter, area and side comparisons.</summary>
    Geometry,
}
