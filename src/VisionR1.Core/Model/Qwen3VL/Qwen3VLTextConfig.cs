using VisionR1.Model.Config;

namespace VisionR1.Model.Qwen3VL;

/// <summary>
/// The Qwen3 language model of Qwen3-VL (HF <c>text_config</c>). Defaults are those of transformers'
/// <c>Qwen3VLTextConfig</c>; the released checkpoints state every field.
/// </summary>
public sealed record Qwen3VLTextConfig
{
    /// <summary>Rows of the embedding and the LM head (<c>vocab_size</c>).</summary>
    public int VocabSize { get; init; } = 151936;

    /// <summary>Model width (<c>hidden_size</c>).</summary>
    public int HiddenSize { get; init; } = 4096;

    /// <summary>SwiGLU inner width (<c>intermediate_size</c>).</summary>
    public int IntermediateSize { get; init; } = 22016;

    /// <summary>Decoder layers (<c>num_hidden_layers</c>).</summary>
    public int NumHiddenLayers { get; init; } = 32;

    /// <summary>Query heads (<c>num_attention_heads</c>).</summary>
    public int NumAttentionHeads { get; init; } = 32;

    /// <summary>Key/value heads for grouped-query attention (<c>num_key_value_heads</c>).</summary>
    public int NumKeyValueHeads { get; init; } = 32;

    /// <summary>Per-head width (<c>head_dim</c>); Qwen3 states it and it need not be hidden_size / heads.</summary>
    public int HeadDim { get; init; } = 128;

    /// <summary>RMSNorm epsilon of the layer norms and the per-head q/k norms (<c>rms_norm_eps</c>).</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary>Rotary base (<c>rope_theta</c>).</summary>
    public double RopeTheta { get; init; } = 5_000_000.0;

    /// <summary>
    /// Rotary frequencies given to the (temporal, height, width) axes (<c>rope_scaling.mrope_section</c>), interleaved
    /// over the head's frequency slots: height and width take every third slot below 3·section, the temporal axis the rest
    /// (so, as in transformers, only the height and width entries matter). Default [24, 20, 20], as transformers' rotary
    /// embedding assumes; the released models state it.
    /// </summary>
    public IReadOnlyList<int> MropeSection { get; init; } = [24, 20, 20];

    /// <summary>Whether q/k/v/o projections carry biases (<c>attention_bias</c>); false in the released models.</summary>
    public bool AttentionBias { get; init; }

    /// <summary>Whether <c>lm_head</c> shares the embedding matrix (<c>text_config.tie_word_embeddings</c>, which transformers reads).</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Longest supported sequence (<c>max_position_embeddings</c>).</summary>
    public int MaxPositionEmbeddings { get; init; } = 128000;

    /// <summary>Activation of the MLP (<c>hidden_act</c>); only "silu" is supported.</summary>
    public string HiddenAct { get; init; } = "silu";

    /// <summary>Throws <see cref="ModelConfigException"/> naming the first inconsistent field (names as in <c>text_config</c>).</summary>
    public void Validate()
    {
        const string p = "text_config.";
        VisionConfig.Positive(p + "vocab_size", VocabSize);
        VisionConfig.Positive(p + "hidden_size", HiddenSize);
        VisionConfig.Positive(p + "intermediate_size", IntermediateSize);
        VisionConfig.Positive(p + "num_hidden_layers", NumHiddenLayers);
        VisionConfig.Positive(p + "num_attention_heads", NumAttentionHeads);
        VisionConfig.Positive(p + "num_key_value_heads", NumKeyValueHeads);
        VisionConfig.Positive(p + "head_dim", HeadDim);
        VisionConfig.Positive(p + "max_position_embeddings", MaxPositionEmbeddings);
        VisionConfig.AtMost(p + "vocab_size", VocabSize, 1 << 22);
        VisionConfig.AtMost(p + "hidden_size", HiddenSize, 1 << 16);
        VisionConfig.AtMost(p + "intermediate_size", IntermediateSize, 1 << 18);
        VisionConfig.AtMost(p + "num_hidden_layers", NumHiddenLayers, 1024);
        VisionConfig.AtMost(p + "num_attention_heads", NumAttentionHeads, 1024);
        VisionConfig.AtMost(p + "head_dim", HeadDim, 4096);
        VisionConfig.AtMost(p + "max_position_embeddings", MaxPositionEmbeddings, 1 << 24);
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            throw new ModelConfigException(p + "num_key_value_heads", $"num_attention_heads {NumAttentionHeads} is not divisible by num_key_value_heads {NumKeyValueHeads}.");
        if (HeadDim % 2 != 0)
            throw new ModelConfigException(p + "head_dim", $"{HeadDim} must be even for rotary embeddings.");
        if (MropeSection.Count != 3 || MropeSection.Any(s => s <= 0))
            throw new ModelConfigException(p + "rope_scaling.mrope_section", $"needs three positive entries (temporal, height, width), got [{string.Join(", ", MropeSection)}].");
        if (RmsNormEps <= 0) throw new ModelConfigException(p + "rms_norm_eps", $"must be positive, got {RmsNormEps}.");
        if (RopeTheta <= 0) throw new ModelConfigException(p + "rope_theta", $"must be positive, got {RopeTheta}.");
        if (!string.Equals(HiddenAct, "silu", StringComparison.Ordinal))
            throw new ModelConfigException(p + "hidden_act", $"'{HiddenAct}' is not supported (only silu).");
    }
}
