using System.Text.Json.Serialization;

namespace VisionR1.Data.Synthetic;

/// <summary>How a scene fact is phrased (and parsed back) in descriptions and reasoning.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FactKind>))]
public enum FactKind
{
    /// <summary>A number of objects: "There are 3 red circles." (subject is a plural noun phrase).</summary>
    Count,
    /// <summary>The value of a labelled bar: "Bar A has a value of 5." (subject is "bar A").</summary>
    BarValue,
    /// <summary>A labelled length: "The width is 4." (subject is "width", "base", "left side", ...).</summary>
    Length,
}
