using System.Text.Encodings.Web;
using System.Text.Json;

namespace VisionR1.Data.Synthetic;

/// <summary>The JSON form of scenes and tasks as stored in <c>MathProblem.Metadata</c> (camelCase, enums as strings).</summary>
public static class SyntheticWorldJson
{
    private static readonly JsonSerializerOptions Options = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }

    /// <summary>The scene as compact JSON (with a <c>type</c> discriminator).</summary>
    public static string Serialize(SyntheticScene scene) => JsonSerializer.Serialize(scene, Options);

    /// <summary>The task as compact JSON.</summary>
    public static string Serialize(SyntheticTask task) => JsonSerializer.Serialize(task, Options);

    /// <summary>Reads a scene back.</summary>
    /// <exception cref="JsonException">The text is not a scene.</exception>
    public static SyntheticScene DeserializeScene(string json) =>
        JsonSerializer.Deserialize<SyntheticScene>(json, Options) ?? throw new JsonException("The scene JSON is null.");

    /// <summary>Reads a task back.</summary>
    /// <exception cref="JsonException">The text is not a task.</exception>
    public static SyntheticTask DeserializeTask(string json) =>
        JsonSerializer.Deserialize<SyntheticTask>(json, Options) ?? throw new JsonException("The task JSON is null.");
}
