namespace VisionR1.Model.Config;

/// <summary>Named configurations: the released 3B and 7B models, and two small models of the same architecture.</summary>
public static class Qwen25VLPresets
{
    /// <summary>Qwen2.5-VL-3B-Instruct (qwen25vl.md): 36 layers of width 2048, 16 heads / 2 KV heads, tied LM head.</summary>
    public static Qwen25VLConfig Qwen3B { get; } = new(
        new TextConfig
        {
            VocabSize = 151936, HiddenSize = 2048, IntermediateSize = 11008, NumHiddenLayers = 36,
            NumAttentionHeads = 16, NumKeyValueHeads = 2, TieWordEmbeddings = true,
        },
        new VisionConfig { OutHiddenSize = 2048 },
        ModelTokenIds.Qwen25VL);

    /// <summary>Qwen2.5-VL-7B-Instruct (qwen25vl.md): 28 layers of width 3584, 28 heads / 4 KV heads, separate LM head.</summary>
    public static Qwen25VLConfig Qwen7B { get; } = new(
        new TextConfig
        {
            VocabSize = 152064, HiddenSize = 3584, IntermediateSize = 18944, NumHiddenLayers = 28,
            NumAttentionHeads = 28, NumKeyValueHeads = 4, TieWordEmbeddings = false,
        },
        new VisionConfig { OutHiddenSize = 3584 },
        ModelTokenIds.Qwen25VL);

    /// <summary>
    /// A 223,456-parameter model for unit tests: width 64, 2 layers, 4 heads / 2 KV heads (head_dim 16,
    /// mrope_section [2,3,3]); vision width 32, 2 blocks (block 1 full attention), 2 heads, 28-pixel
    /// windows (2×2 merged tokens, so small images already span several windows). Compact-tokenizer ids.
    /// </summary>
    public static Qwen25VLConfig Tiny { get; } = new(
        new TextConfig
        {
            VocabSize = 1024, HiddenSize = 64, IntermediateSize = 128, NumHiddenLayers = 2,
            NumAttentionHeads = 4, NumKeyValueHeads = 2, MropeSection = [2, 3, 3], TieWordEmbeddings = true,
            MaxPositionEmbeddings = 4096,
        },
        new VisionConfig
        {
            Depth = 2, HiddenSize = 32, IntermediateSize = 64, NumHeads = 2, WindowSize = 56,
            OutHiddenSize = 64, FullAttentionBlockIndexes = [1],
        },
        ModelTokenIds.Compact);

    /// <summary>
    /// The embedded default model (5,552,512 parameters), small enough to train end to end on two CPU cores:
    /// width 256, 4 layers, 4 heads / 2 KV heads (head_dim 64, mrope_section [8,12,12]), SwiGLU 1024;
    /// vision width 128, 4 blocks (blocks 1 and 3 full attention), 4 heads, SwiGLU 352, the released
    /// 112-pixel windows. Tied LM head, compact-tokenizer vocabulary of 1024 ids.
    /// </summary>
    public static Qwen25VLConfig Small { get; } = new(
        new TextConfig
        {
            VocabSize = 1024, HiddenSize = 256, IntermediateSize = 1024, NumHiddenLayers = 4,
            NumAttentionHeads = 4, NumKeyValueHeads = 2, MropeSection = [8, 12, 12], TieWordEmbeddings = true,
            MaxPositionEmbeddings = 8192,
        },
        new VisionConfig
        {
            Depth = 4, HiddenSize = 128, IntermediateSize = 352, NumHeads = 4, WindowSize = 112,
            OutHiddenSize = 256, FullAttentionBlockIndexes = [1, 3],
        },
        ModelTokenIds.Compact);

    /// <summary>
    /// A wider model for longer runs (14,797,696 parameters; about 3.3 times the small preset's language-model compute): width 384,
    /// 6 layers, 6 heads / 2 KV heads (head_dim 64, mrope_section [8,12,12]), SwiGLU 1536; the small preset's
    /// vision tower with its merger projecting to 384. Tied LM head, compact-tokenizer vocabulary of 1024 ids.
    /// </summary>
    public static Qwen25VLConfig Medium { get; } = Small with
    {
        Text = Small.Text with { HiddenSize = 384, IntermediateSize = 1536, NumHiddenLayers = 6, NumAttentionHeads = 6 },
        Vision = Small.Vision with { OutHiddenSize = 384 },
    };

    /// <summary>Looks a preset up by name: "tiny", "small", "medium", "3b", "7b" (case-insensitive).</summary>
    public static Qwen25VLConfig ByName(string name) => name.Trim().ToLowerInvariant() switch
    {
        "tiny" => Tiny,
        "small" => Small,
        "medium" => Medium,
        "3b" => Qwen3B,
        "7b" => Qwen7B,
        _ => throw new ArgumentException($"Unknown model preset '{name}': use tiny, small, medium, 3b or 7b.", nameof(name)),
    };
}
