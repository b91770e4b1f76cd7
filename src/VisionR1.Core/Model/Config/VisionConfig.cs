namespace VisionR1.Model.Config;

/// <summary>
/// The Qwen2.5-VL vision encoder (HF <c>vision_config</c>). Defaults are the released 3B/7B values
/// (qwen25vl.md), except <see cref="OutHiddenSize"/> which is the language model's width.
/// </summary>
public sealed record VisionConfig
{
    /// <summary>Number of transformer blocks (<c>depth</c>).</summary>
    public int Depth { get; init; } = 32;

    /// <summary>Width of the encoder (<c>hidden_size</c>).</summary>
    public int HiddenSize { get; init; } = 1280;

    /// <summary>SwiGLU inner width (<c>intermediate_size</c>).</summary>
    public int IntermediateSize { get; init; } = 3420;

    /// <summary>Attention heads (<c>num_heads</c>).</summary>
    public int NumHeads { get; init; } = 16;

    /// <summary>Image channels (<c>in_chans</c> / <c>in_channels</c>).</summary>
    public int InChannels { get; init; } = 3;

    /// <summary>Spatial patch side in pixels (<c>patch_size</c>).</summary>
    public int PatchSize { get; init; } = 14;

    /// <summary>Frames per temporal patch (<c>temporal_patch_size</c>).</summary>
    public int TemporalPatchSize { get; init; } = 2;

    /// <summary>Side of the patch block merged into one language token (<c>spatial_merge_size</c>).</summary>
    public int SpatialMergeSize { get; init; } = 2;

    /// <summary>Attention window side in pixels (<c>window_size</c>).</summary>
    public int WindowSize { get; init; } = 112;

    /// <summary>Width of the merger output, equal to the language model's hidden size (<c>out_hidden_size</c>).</summary>
    public int OutHiddenSize { get; init; } = 3584;

    /// <summary>Blocks that attend over the whole image instead of within windows (<c>fullatt_block_indexes</c>).</summary>
    public IReadOnlyList<int> FullAttentionBlockIndexes { get; init; } = [7, 15, 23, 31];

    /// <summary>Video time scale (<c>tokens_per_second</c>); kept so configs round-trip.</summary>
    public int TokensPerSecond { get; init; } = 2;

    /// <summary>Activation of the block MLP (<c>hidden_act</c>); only "silu" is supported.</summary>
    public string HiddenAct { get; init; } = "silu";

    /// <summary>Per-head width.</summary>
    public int HeadDim => HiddenSize / NumHeads;

    /// <summary>Values per flattened patch: channels × temporal × patch² (1176 for the released models).</summary>
    public int PatchDim => InChannels * TemporalPatchSize * PatchSize * PatchSize;

    /// <summary>Patches merged into one language token (merge size²).</summary>
    public int SpatialMergeUnit => SpatialMergeSize * SpatialMergeSize;

    /// <summary>Window side in merged tokens (window_size / merge / patch; 4 for the released models).</summary>
    public int MergedWindowSide => WindowSize / SpatialMergeSize / PatchSize;

    /// <summary>Throws <see cref="ModelConfigException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        const string p = "vision_config.";
        Positive(p + "depth", Depth);
        Positive(p + "hidden_size", HiddenSize);
        Positive(p + "intermediate_size", IntermediateSize);
        Positive(p + "num_heads", NumHeads);
        Positive(p + "in_chans", InChannels);
        Positive(p + "patch_size", PatchSize);
        Positive(p + "temporal_patch_size", TemporalPatchSize);
        Positive(p + "spatial_merge_size", SpatialMergeSize);
        Positive(p + "out_hidden_size", OutHiddenSize);
        AtMost(p + "depth", Depth, 1024);
        AtMost(p + "in_chans", InChannels, 16);
        AtMost(p + "temporal_patch_size", TemporalPatchSize, 16);
        AtMost(p + "hidden_size", HiddenSize, 1 << 16);
        AtMost(p + "intermediate_size", IntermediateSize, 1 << 18);
        AtMost(p + "num_heads", NumHeads, 1024);
        AtMost(p + "patch_size", PatchSize, 1024);
        AtMost(p + "spatial_merge_size", SpatialMergeSize, 64);
        AtMost(p + "out_hidden_size", OutHiddenSize, 1 << 16);
        if (HiddenSize % NumHeads != 0)
            throw new ModelConfigException(p + "num_heads", $"hidden_size {HiddenSize} is not divisible by num_heads {NumHeads}.");
        if (HeadDim % 4 != 0)
            throw new ModelConfigException(p + "num_heads", $"the head width {HeadDim} must be divisible by 4 for the 2-D rotary embedding.");
        if (WindowSize < SpatialMergeSize * PatchSize || WindowSize % (SpatialMergeSize * PatchSize) != 0)
            throw new ModelConfigException(p + "window_size", $"{WindowSize} must be a positive multiple of spatial_merge_size × patch_size = {SpatialMergeSize * PatchSize}.");
        foreach (var i in FullAttentionBlockIndexes)
            if (i < 0 || i >= Depth)
                throw new ModelConfigException(p + "fullatt_block_indexes", $"index {i} is outside 0..{Depth - 1}.");
        if (!string.Equals(HiddenAct, "silu", StringComparison.Ordinal))
            throw new ModelConfigException(p + "hidden_act", $"'{HiddenAct}' is not supported (only silu).");
    }

    internal static void AtMost(string field, long value, long max)
    {
        if (value > max) throw new ModelConfigException(field, $"{value} is beyond the sane bound {max}; the config is likely damaged.");
    }

    internal static void Positive(string field, long value)
    {
        if (value <= 0) throw new ModelConfigException(field, $"must be positive, got {value}.");
    }
}
