using System.Text.Json.Serialization;

namespace VisionR1.Data.Synthetic;

/// <summary>The few saturated colours the synthetic world paints with (see <see cref="ScenePalette"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SceneColor>))]
public enum SceneColor
{
    /// <summary>Red (RGB 220, 30, 30).</summary>
    Red,
    /// <summary>Green (RGB 20, 160, 40).</summary>
    Green,
    /// <summary>Blue (RGB 30, 70, 230).</summary>
    Blue,
    /// <summary>Yellow (RGB 240, 190, 0).</summary>
    Yellow,
}
