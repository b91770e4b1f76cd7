namespace VisionR1.Inputs;

/// <summary>The fixed patch geometry and pixel statistics of the Qwen2.5-VL vision encoder.</summary>
public static class VisionPatchLayout
{
    /// <summary>Side of one vision patch in pixels.</summary>
    public const int PatchSize = 14;

    /// <summary>Frames per temporal patch; a still image is repeated to fill it.</summary>
    public const int TemporalPatchSize = 2;

    /// <summary>Patches merged per side into one language-model token.</summary>
    public const int MergeSize = 2;

    /// <summary>Resize factor: sides are multiples of patch × merge = 28.</summary>
    public const int Factor = PatchSize * MergeSize;

    /// <summary>Colour channels.</summary>
    public const int Channels = 3;

    /// <summary>Values in one flattened patch: channels × temporal × 14 × 14 = 1176.</summary>
    public const int PatchDim = Channels * TemporalPatchSize * PatchSize * PatchSize;

    /// <summary>Per-channel mean after rescaling to [0, 1] (the CLIP/OpenAI statistics Qwen uses).</summary>
    public static IReadOnlyList<float> Mean { get; } = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>Per-channel standard deviation after rescaling to [0, 1].</summary>
    public static IReadOnlyList<float> Std { get; } = [0.26862954f, 0.26130258f, 0.27577711f];
}
