using System.Text.Json;

namespace VisionR1.Inputs;

/// <summary>
/// The patch geometry and pixel statistics a Qwen vision encoder expects, as its released
/// <c>preprocessor_config.json</c> gives them: patch side, frames per temporal patch, patches merged per side into one
/// language-model token, per-channel mean and standard deviation after rescaling to [0, 1], and the default pixel
/// budget of <c>smart_resize</c>. <see cref="Qwen25VL"/> and <see cref="Qwen3VL"/> are the released values; equality
/// compares every field, the statistics element by element.
/// </summary>
/// <param name="PatchSize">Side of one vision patch in pixels.</param>
/// <param name="TemporalPatchSize">Frames per temporal patch; a still image is repeated to fill it.</param>
/// <param name="MergeSize">Patches merged per side into one language-model token.</param>
/// <param name="Mean">Per-channel mean after rescaling to [0, 1] (three values).</param>
/// <param name="Std">Per-channel standard deviation after rescaling to [0, 1] (three positive values).</param>
/// <param name="MinPixels">Default smallest resized area (<c>size.shortest_edge</c>, or <c>min_pixels</c>).</param>
/// <param name="MaxPixels">Default largest resized area (<c>size.longest_edge</c>, or <c>max_pixels</c>).</param>
public sealed record VisionPatchGeometry(
    int PatchSize,
    int TemporalPatchSize,
    int MergeSize,
    IReadOnlyList<float> Mean,
    IReadOnlyList<float> Std,
    int MinPixels,
    int MaxPixels)
{
    /// <summary>Colour channels.</summary>
    public const int Channels = 3;

    /// <summary>
    /// Qwen2.5-VL (Qwen/Qwen2.5-VL-7B-Instruct's <c>preprocessor_config.json</c>): 14-pixel patches, 2 frames, 2×2
    /// merge, the CLIP/OpenAI mean and std, and 3136 (56²) to 12,845,056 (16384·28²) pixels.
    /// </summary>
    public static VisionPatchGeometry Qwen25VL { get; } = new(
        14, 2, 2, [0.48145466f, 0.4578275f, 0.40821073f], [0.26862954f, 0.26130258f, 0.27577711f], 3136, 12_845_056);

    /// <summary>
    /// Qwen3-VL (the released checkpoints' <c>preprocessor_config.json</c>, read by transformers'
    /// <c>Qwen2VLImageProcessorFast</c>): 16-pixel patches, 2 frames, 2×2 merge, mean and std 0.5, and
    /// <c>size</c> {shortest_edge 65,536 (256²), longest_edge 16,777,216 (4096²)}.
    /// </summary>
    public static VisionPatchGeometry Qwen3VL { get; } = new(16, 2, 2, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f], 65_536, 16_777_216);

    /// <summary>
    /// The geometry of a Hugging Face folder: the fields its <c>preprocessor_config.json</c> has (<c>patch_size</c>,
    /// <c>temporal_patch_size</c>, <c>merge_size</c>, <c>image_mean</c>, <c>image_std</c>, <c>size.shortest_edge</c> and
    /// <c>size.longest_edge</c>, overridden by <c>min_pixels</c>/<c>max_pixels</c> as transformers does), the others from
    /// <paramref name="defaults"/>. When <paramref name="defaults"/> is null they are the family's: <see cref="Qwen3VL"/>
    /// when <c>config.json</c>'s <c>model_type</c> is <c>qwen3_vl</c> (or another Qwen3-VL type), else <see cref="Qwen25VL"/>.
    /// A folder without <c>preprocessor_config.json</c> gets the defaults.
    /// </summary>
    /// <exception cref="InvalidDataException">A file is not valid JSON or a field has the wrong type or an invalid value (the file is named).</exception>
    public static VisionPatchGeometry FromPretrained(string directory, VisionPatchGeometry? defaults = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var geometry = defaults ?? FamilyDefaults(directory);
        var path = Path.Combine(directory, "preprocessor_config.json");
        if (!File.Exists(path)) return geometry;
        return Read(path, root =>
        {
            int Int(JsonElement parent, string name, int fallback) => parent.TryGetProperty(name, out var v) ? v.GetInt32() : fallback;
            IReadOnlyList<float> Floats(string name, IReadOnlyList<float> fallback) => !root.TryGetProperty(name, out var v) ? fallback
                : v.ValueKind == JsonValueKind.Number ? [v.GetSingle(), v.GetSingle(), v.GetSingle()]
                : [.. v.EnumerateArray().Select(e => e.GetSingle())];
            int min = geometry.MinPixels, max = geometry.MaxPixels;
            if (root.TryGetProperty("size", out var size) && size.ValueKind == JsonValueKind.Object)
            {
                min = Int(size, "shortest_edge", min);
                max = Int(size, "longest_edge", max);
            }

            return new VisionPatchGeometry(
                Int(root, "patch_size", geometry.PatchSize), Int(root, "temporal_patch_size", geometry.TemporalPatchSize), Int(root, "merge_size", geometry.MergeSize),
                Floats("image_mean", geometry.Mean), Floats("image_std", geometry.Std),
                root.TryGetProperty("min_pixels", out var minPixels) && minPixels.ValueKind != JsonValueKind.Null ? minPixels.GetInt32() : min,
                root.TryGetProperty("max_pixels", out var maxPixels) && maxPixels.ValueKind != JsonValueKind.Null ? maxPixels.GetInt32() : max).Validated();
        });
    }

    private static VisionPatchGeometry FamilyDefaults(string directory)
    {
        var path = Path.Combine(directory, "config.json");
        if (!File.Exists(path)) return Qwen25VL;
        return Read(path, root => root.TryGetProperty("model_type", out var type) && type.ValueKind == JsonValueKind.String
            && type.GetString()!.StartsWith("qwen3_vl", StringComparison.Ordinal) ? Qwen3VL : Qwen25VL);
    }

    private static T Read<T>(string path, Func<JsonElement, T> read)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return read(doc.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>The checked geometry.</summary>
    /// <exception cref="ArgumentException">A size is not positive, the statistics do not have three entries, a std is not positive, or the pixel budget is empty.</exception>
    public VisionPatchGeometry Validated()
    {
        if (PatchSize < 1 || TemporalPatchSize < 1 || MergeSize < 1)
            throw new ArgumentException($"Patch size {PatchSize}, temporal patch {TemporalPatchSize} and merge size {MergeSize} must be positive.");
        if (Mean is not { Count: Channels } || Std is not { Count: Channels })
            throw new ArgumentException($"image_mean and image_std need {Channels} values each.");
        if (Std.Any(s => !(s > 0)))
            throw new ArgumentException($"image_std must be positive, got [{string.Join(", ", Std)}].");
        if (MinPixels < 1 || MaxPixels < MinPixels)
            throw new ArgumentException($"Pixel budget [{MinPixels}, {MaxPixels}] is empty.");
        return this;
    }

    /// <summary>Resize factor: resized sides are multiples of patch × merge (28 for Qwen2.5-VL, 32 for Qwen3-VL).</summary>
    public int Factor => PatchSize * MergeSize;

    /// <summary>Values in one flattened patch: channels × temporal × patch² (1176 for Qwen2.5-VL, 1536 for Qwen3-VL).</summary>
    public int PatchDim => Channels * TemporalPatchSize * PatchSize * PatchSize;

    /// <summary>Patches per language-model token: merge² (4).</summary>
    public int PatchesPerToken => MergeSize * MergeSize;

    /// <summary>Whether every field, and every mean and std value, is equal.</summary>
    public bool Equals(VisionPatchGeometry? other) =>
        other is not null
        && (PatchSize, TemporalPatchSize, MergeSize, MinPixels, MaxPixels) == (other.PatchSize, other.TemporalPatchSize, other.MergeSize, other.MinPixels, other.MaxPixels)
        && Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(PatchSize, TemporalPatchSize, MergeSize, MinPixels, MaxPixels, Mean[0], Std[0]);
}
