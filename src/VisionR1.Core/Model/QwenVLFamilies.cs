using VisionR1.Inputs;

namespace VisionR1.Model;

/// <summary>
/// What tells the <see cref="QwenVLFamily"/> members apart outside the model: their names (as written and on the command line)
/// and the patch geometry and pixel statistics their released image processors use.
/// </summary>
public static class QwenVLFamilies
{
    /// <summary>Every family's command-line name, in the enum's order: <c>qwen2.5-vl</c>, <c>qwen3-vl</c>.</summary>
    public static IReadOnlyList<string> CommandLineNames { get; } = [CommandLineName(QwenVLFamily.Qwen25VL), CommandLineName(QwenVLFamily.Qwen3VL)];

    /// <summary>The family's name as written: <c>Qwen2.5-VL</c> or <c>Qwen3-VL</c>.</summary>
    public static string DisplayName(this QwenVLFamily family) => family switch
    {
        QwenVLFamily.Qwen3VL => "Qwen3-VL",
        _ => "Qwen2.5-VL",
    };

    /// <summary>The family's command-line name: its <see cref="DisplayName"/> in lower case (<c>qwen2.5-vl</c>, <c>qwen3-vl</c>).</summary>
    public static string CommandLineName(this QwenVLFamily family) => DisplayName(family).ToLowerInvariant();

    /// <summary>The family a command-line or display name (case-insensitive) stands for.</summary>
    /// <exception cref="ArgumentException">The name is neither family's.</exception>
    public static QwenVLFamily Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var family in Enum.GetValues<QwenVLFamily>())
            if (string.Equals(name.Trim(), CommandLineName(family), StringComparison.OrdinalIgnoreCase)) return family;
        throw new ArgumentException($"Unknown model family '{name}': use {string.Join(" or ", CommandLineNames)}.", nameof(name));
    }

    /// <summary>
    /// The patch geometry, pixel statistics and pixel budget of the family's released image processor
    /// (<see cref="VisionPatchGeometry.Qwen25VL"/> or <see cref="VisionPatchGeometry.Qwen3VL"/>), for a model that has no
    /// folder to read them from (<see cref="VisionPatchGeometry.FromPretrained"/> reads a folder's).
    /// </summary>
    public static VisionPatchGeometry ImageGeometry(this QwenVLFamily family) =>
        family == QwenVLFamily.Qwen3VL ? VisionPatchGeometry.Qwen3VL : VisionPatchGeometry.Qwen25VL;

    /// <summary>A processor of the family's released image settings (<see cref="ImageGeometry"/>).</summary>
    public static ImageProcessor ImageProcessor(this QwenVLFamily family) => new(new ImageProcessorOptions(Geometry: ImageGeometry(family)));

    /// <summary>
    /// The image processor of the Hugging Face folder <paramref name="modelDirectory"/> of either family: the settings its
    /// <c>preprocessor_config.json</c> has, the family's released ones for the others (<see cref="VisionPatchGeometry.FromPretrained"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">preprocessor_config.json or config.json is not valid JSON or has a field of the wrong type (the file is named).</exception>
    public static ImageProcessor ImageProcessorOf(string modelDirectory) =>
        new(new ImageProcessorOptions(Geometry: VisionPatchGeometry.FromPretrained(modelDirectory)));
}
