using VisionR1.Model.Config;

namespace VisionR1.Model.Qwen3VL;

/// <summary>
/// The Qwen3-VL vision encoder (HF <c>vision_config</c>). Defaults are those of transformers' <c>Qwen3VLVisionConfig</c>,
/// except <see cref="OutHiddenSize"/>, which is the language model's width.
/// </summary>
public sealed record Qwen3VLVisionConfig
{
    /// <summary>Number of transformer blocks (<c>depth</c>).</summary>
    public int Depth { get; init; } = 27;

    /// <summary>Width of the encoder (<c>hidden_size</c>).</summary>
    public int HiddenSize { get; init; } = 1152;

    /// <summary>MLP inner width (<c>intermediate_size</c>).</summary>
    public int IntermediateSize { get; init; } = 4304;

    /// <summary>Attention heads (<c>num_heads</c>).</summary>
    public int NumHeads { get; init; } = 16;

    /// <summary>Image channels (<c>in_channels</c>).</summary>
    public int InChannels { get; init; } = 3;

    /// <summary>Spatial patch side in pixels (<c>patch_size</c>).</summary>
    public int PatchSize { get; init; } = 16;

    /// <summary>Frames per temporal patch (<c>temporal_patch_size</c>).</summary>
    public int TemporalPatchSize { get; init; } = 2;

    /// <summary>Side of the patch block merged into one language token (<c>spatial_merge_size</c>).</summary>
    public int SpatialMergeSize { get; init; } = 2;

    /// <summary>Width of the merger outputs, equal to the language model's hidden size (<c>out_hidden_size</c>).</summary>
    public int OutHiddenSize { get; init; } = 3584;

    /// <summary>Rows of the learned position table (<c>num_position_embeddings</c>), a square: side² positions interpolated to each grid.</summary>
    public int NumPositionEmbeddings { get; init; } = 2304;

    /// <summary>Blocks whose outputs feed the DeepStack mergers, in order; merger k's features are added after decoder layer k (<c>deepstack_visual_indexes</c>).</summary>
    public IReadOnlyList<int> DeepstackVisualIndexes { get; init; } = [8, 16, 24];

    /// <summary>Activation of the block MLP (<c>hidden_act</c>): "gelu_pytorch_tanh" (released) or "gelu".</summary>
    public string HiddenAct { get; init; } = "gelu_pytorch_tanh";

    /// <summary>Per-head width.</summary>
    public int HeadDim => HiddenSize / NumHeads;

    /// <summary>Values per flattened patch: channels × temporal × patch² (1536 for the released models).</summary>
    public int PatchDim => InChannels * TemporalPatchSize * PatchSize * PatchSize;

    /// <summary>Patches merged into one language token (merge size²).</summary>
    public int SpatialMergeUnit => SpatialMergeSize * SpatialMergeSize;

    /// <summary>Side of the learned position grid (√num_position_embeddings).</summary>
    public int PositionGridSide => (int)Math.Round(Math.Sqrt(NumPositionEmbeddings));

    /// <summary>Throws <see cref="ModelConfigException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        const string p = "vision_config.";
        VisionConfig.Positive(p + "depth", Depth);
        VisionConfig.Positive(p + "hidden_size", HiddenSize);
        VisionConfig.Positive(p + "intermediate_size", IntermediateSize);
        VisionConfig.Positive(p + "num_heads", NumHeads);
        VisionConfig.Positive(p + "in_channels", InChannels);
        VisionConfig.Positive(p + "patch_size", PatchSize);
        VisionConfig.Positive(p + "temporal_patch_size", TemporalPatchSize);
        VisionConfig.Positive(p + "spatial_merge_size", SpatialMergeSize);
        VisionConfig.Positive(p + "out_hidden_size", OutHiddenSize);
        VisionConfig.Positive(p + "num_position_embeddings", NumPositionEmbeddings);
        VisionConfig.AtMost(p + "depth", Depth, 1024);
        VisionConfig.AtMost(p + "in_channels", InChannels, 16);
        VisionConfig.AtMost(p + "temporal_patch_size", TemporalPatchSize, 16);
        VisionConfig.AtMost(p + "hidden_size", HiddenSize, 1 << 16);
        VisionConfig.AtMost(p + "intermediate_size", IntermediateSize, 1 << 18);
        VisionConfig.AtMost(p + "num_heads", NumHeads, 1024);
        VisionConfig.AtMost(p + "patch_size", PatchSize, 1024);
        VisionConfig.AtMost(p + "spatial_merge_size", SpatialMergeSize, 64);
        VisionConfig.AtMost(p + "out_hidden_size", OutHiddenSize, 1 << 16);
        VisionConfig.AtMost(p + "num_position_embeddings", NumPositionEmbeddings, 1 << 20);
        if (HiddenSize % NumHeads != 0)
            throw new ModelConfigException(p + "num_heads", $"hidden_size {HiddenSize} is not divisible by num_heads {NumHeads}.");
        if (HeadDim % 4 != 0)
            throw new ModelConfigException(p + "num_heads", $"the head width {HeadDim} must be divisible by 4 for the 2-D rotary embedding.");
        if ((long)PositionGridSide * PositionGridSide != NumPositionEmbeddings)
            throw new ModelConfigException(p + "num_position_embeddings", $"{NumPositionEmbeddings} must be a perfect square (the learned positions form a square grid).");
        var seen = new HashSet<int>();
        foreach (var i in DeepstackVisualIndexes)
        {
            if (i < 0 || i >= Depth)
                throw new ModelConfigException(p + "deepstack_visual_indexes", $"index {i} is outside 0..{Depth - 1}.");
            if (!seen.Add(i))
                throw new ModelConfigException(p + "deepstack_visual_indexes", $"index {i} appears twice.");
        }
        if (HiddenAct is not ("gelu_pytorch_tanh" or "gelu"))
            throw new ModelConfigException(p + "hidden_act", $"'{HiddenAct}' is not supported (gelu_pytorch_tanh or gelu).");
    }
}
