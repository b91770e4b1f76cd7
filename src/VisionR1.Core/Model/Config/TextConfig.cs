namespace VisionR1.Model.Config;

/// <summary>
/// The Qwen2 language model of Qwen2.5-VL (HF top-level fields or <c>text_config</c>).
/// Defaults are the 7B values (qwen25vl.md).
/// </summary>
public sealed record TextConfig
{
    /// <summary>Rows of the embedding and the LM head (<c>vocab_size</c>).</summary>
    public int VocabSize { get; init; } = 152064;

    /// <summary>Model width (<c>hidden_size</c>).</summary>
    public int HiddenSize { get; init; } = 3584;

    /// <summary>SwiGLU inner width (<c>intermediate_size</c>).</summary>
    public int IntermediateSize { get; init; } = 18944;

    /// <summary>Decoder layers (<c>num_hidden_layers</c>).</summary>
    public int NumHiddenLayers { get; init; } = 28;

    /// <summary>Query heads (<c>num_attention_heads</c>).</summary>
    public int NumAttentionHeads { get; init; } = 28;

    /// <summary>Key/value heads for grouped-query attention (<c>num_key_value_heads</c>).</summary>
    public int NumKeyValueHeads { get; init; } = 4;

    /// <summary>RMSNorm epsilon (<c>rms_norm_eps</c>).</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary>Rotary base (<c>rope_theta</c>).</summary>
    public double RopeTheta { get; init; } = 1_000_000.0;

    /// <summary>Rotary frequencies given to the (temporal, height, width) axes (<c>rope_scaling.mrope_section</c>); sums to head_dim / 2.</summary>
    public IReadOnlyList<int> MropeSection { get; init; } = [16, 24, 24];

    /// <summary>Whether <c>lm_head</c> shares the embedding matrix (<c>tie_word_embeddings</c>).</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Longest supported sequence (<c>max_position_embeddings</c>).</summary>
    public int MaxPositionEmbeddings { get; init; } = 128000;

    /// <summary>Activation of the MLP (<c>hidden_act</c>); only "silu" is supported.</summary>
    public string HiddenAct { get; init; } = "silu";

    /// <summary>Per-head width (hidden_size / num_attention_heads; 128 for the released models).</summary>
    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Throws <see cref="ModelConfigException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        VisionConfig.Positive("vocab_size", VocabSize);
        VisionConfig.Positive("hidden_size", HiddenSize);
        VisionConfig.Positive("intermediate_size", IntermediateSize);
        VisionConfig.Positive("num_hidden_layers", NumHiddenLayers);
        VisionConfig.Positive("num_attention_heads", NumAttentionHeads);
        VisionConfig.Positive("num_key_value_heads", NumKeyValueHeads);
        VisionConfig.Positive("max_position_embeddings", MaxPositionEmbeddings);
        // Sane upper bounds (far above any released model), checked before anything is allocated.
        VisionConfig.AtMost("vocab_size", VocabSize, 1 << 22);
        VisionConfig.AtMost("hidden_size", HiddenSize, 1 << 16);
        VisionConfig.AtMost("intermediate_size", IntermediateSize, 1 << 18);
        VisionConfig.AtMost("num_hidden_layers", NumHiddenLayers, 1024);
        VisionConfig.AtMost("num_attention_heads", NumAttentionHeads, 1024);
        VisionConfig.AtMost("max_position_embeddings", MaxPositionEmbeddings, 1 << 24);
        if (HiddenSize % NumAttentionHeads != 0)
            throw new ModelConfigException("num_attention_heads", $"hidden_size {HiddenSize} is not divisible by num_attention_heads {NumAttentionHeads}.");
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            throw new ModelConfigException("num_key_value_heads", $"num_attention_heads {NumAttentionHeads} is not divisible by num_key_value_heads {NumKeyValueHeads}.");
        if (HeadDim % 2 != 0)
            throw new ModelConfigException("num_attention_heads", $"the head width {HeadDim} must be even for rotary embeddings.");
        if (MropeSection.Count != 3 || MropeSection.Any(s => s <= 0))
            throw new ModelConfigException("rope_scaling.mrope_section", $"needs three positive entries (temporal, height, width), got [{string.Join(", ", MropeSection)}].");
        if (MropeSection.Sum() != HeadDim / 2)
            throw new ModelConfigException("rope_scaling.mrope_section", $"[{string.Join(", ", MropeSection)}] sums to {MropeSection.Sum()} but must equal head_dim / 2 = {HeadDim / 2}.");
        if (RmsNormEps <= 0) throw new ModelConfigException("rms_norm_eps", $"must be positive, got {RmsNormEps}.");
        if (RopeTheta <= 0) throw new ModelConfigException("rope_theta", $"must be positive, got {RopeTheta}.");
        if (!string.Equals(HiddenAct, "silu", StringComparison.Ordinal))
            throw new ModelConfigException("hidden_act", $"'{HiddenAct}' is not supported (only silu).");
    }
}
