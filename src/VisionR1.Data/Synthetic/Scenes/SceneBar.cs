using System.Text.Json.Serialization;

namespace VisionR1.Data.Synthetic;

/// <summary>One bar of a <see cref="BarChartScene"/>.</summary>
/// <param name="Label">The letter drawn under the bar ("A", "B", ...).</param>
/// <param name="Value">The bar's integer height in grid units.</param>
/// <param name="Color">Fill colour.</param>
public sealed record SceneBar(string Label, int Value, SceneColor Color)
{
    /// <summary>The fact subject naming this bar ("bar A").</summary>
    [JsonIgnore]
    public string Subject => "bar " + Label;
}
