using VisionR1.Model.Config;

namespace VisionR1.Model.Qwen3VL;

/// <summary>
/// Named Qwen3-VL configurations: the released dense sizes (2B, 4B, 8B, 32B) and two small models of the same
/// architecture (DeepStack, per-head q/k norms, interleaved M-RoPE, 16-pixel patches, learned vision positions) for quick runs.
/// </summary>
/// <remarks>
/// The released sizes restate the <c>config.json</c> of <c>Qwen/Qwen3-VL-{2B,4B,8B,32B}-Instruct</c> on the Hugging Face
/// Hub (the Thinking variants share them). Common to all four: head_dim 128, vocabulary 151,936, rope_theta 5,000,000,
/// mrope_section [24, 20, 20] interleaved, 262,144 positions, rms_norm_eps 1e-6, no attention bias; a vision tower of
/// 16 heads over 2×16×16 patches with a 48×48 learned position table (num_position_embeddings 2304), 2×2 merging and
/// tanh-GELU; the special ids of Qwen2.5-VL.
/// </remarks>
public static class Qwen3VLPresets
{
    /// <summary>The prefix the command line puts before a Qwen3-VL preset's name (<c>qwen3-vl-8b</c>).</summary>
    public const string CommandLinePrefix = "qwen3-vl-";

    /// <summary>The 24-block, 1024-wide vision tower of the 2B and 4B models (MLP 4096, DeepStack from blocks 5, 11, 17).</summary>
    private static Qwen3VLVisionConfig SmallTower(int outHidden) => new()
    {
        Depth = 24, HiddenSize = 1024, IntermediateSize = 4096, NumHeads = 16, OutHiddenSize = outHidden,
        NumPositionEmbeddings = 2304, DeepstackVisualIndexes = [5, 11, 17],
    };

    /// <summary>The 27-block, 1152-wide vision tower of the 8B and 32B models (MLP 4304, DeepStack from blocks 8, 16, 24).</summary>
    private static Qwen3VLVisionConfig LargeTower(int outHidden) => new()
    {
        Depth = 27, HiddenSize = 1152, IntermediateSize = 4304, NumHeads = 16, OutHiddenSize = outHidden,
        NumPositionEmbeddings = 2304, DeepstackVisualIndexes = [8, 16, 24],
    };

    /// <summary>A released language model: the fields common to the four sizes (see the class remarks) with its own widths.</summary>
    private static Qwen3VLTextConfig Released(int hidden, int intermediate, int layers, int heads, bool tied) => new()
    {
        VocabSize = 151936, HiddenSize = hidden, IntermediateSize = intermediate, NumHiddenLayers = layers,
        NumAttentionHeads = heads, NumKeyValueHeads = 8, HeadDim = 128, RopeTheta = 5_000_000, MropeSection = [24, 20, 20],
        TieWordEmbeddings = tied, MaxPositionEmbeddings = 262144,
    };

    /// <summary>Qwen3-VL-2B-Instruct: 28 layers of width 2048 (MLP 6144), 16 heads / 8 KV heads, tied LM head; the 24-block tower.</summary>
    public static Qwen3VLConfig Qwen2B { get; } = new(Released(2048, 6144, 28, 16, tied: true), SmallTower(2048), ModelTokenIds.Qwen25VL);

    /// <summary>Qwen3-VL-4B-Instruct: 36 layers of width 2560 (MLP 9728), 32 heads / 8 KV heads, tied LM head; the 24-block tower.</summary>
    public static Qwen3VLConfig Qwen4B { get; } = new(Released(2560, 9728, 36, 32, tied: true), SmallTower(2560), ModelTokenIds.Qwen25VL);

    /// <summary>Qwen3-VL-8B-Instruct: 36 layers of width 4096 (MLP 12288), 32 heads / 8 KV heads, separate LM head; the 27-block tower.</summary>
    public static Qwen3VLConfig Qwen8B { get; } = new(Released(4096, 12288, 36, 32, tied: false), LargeTower(4096), ModelTokenIds.Qwen25VL);

    /// <summary>Qwen3-VL-32B-Instruct: 64 layers of width 5120 (MLP 25600), 64 heads / 8 KV heads, separate LM head; the 27-block tower.</summary>
    public static Qwen3VLConfig Qwen32B { get; } = new(Released(5120, 25600, 64, 64, tied: false), LargeTower(5120), ModelTokenIds.Qwen25VL);

    /// <summary>
    /// The Qwen3-VL counterpart of <see cref="Qwen25VLPresets.Small"/> for quick runs on the CPU: width 256, 4 layers, 4 heads /
    /// 2 KV heads (head_dim 64, mrope_section [12, 10, 10], the released split of a 64-wide head scaled to 32 frequency
    /// slots), MLP 1024; vision width 128, 4 blocks, 4 heads, MLP 512, a 24×24 position table (images up to 384 pixels
    /// without stretching it), DeepStack from blocks 1 and 2. Tied LM head, compact-tokenizer vocabulary of 1024 ids.
    /// </summary>
    public static Qwen3VLConfig Small { get; } = new(
        new Qwen3VLTextConfig
        {
            VocabSize = 1024, HiddenSize = 256, IntermediateSize = 1024, NumHiddenLayers = 4, NumAttentionHeads = 4,
            NumKeyValueHeads = 2, HeadDim = 64, MropeSection = [12, 10, 10], TieWordEmbeddings = true, MaxPositionEmbeddings = 8192,
        },
        new Qwen3VLVisionConfig
        {
            Depth = 4, HiddenSize = 128, IntermediateSize = 512, NumHeads = 4, OutHiddenSize = 256,
            NumPositionEmbeddings = 576, DeepstackVisualIndexes = [1, 2],
        },
        ModelTokenIds.Compact);

    /// <summary>
    /// A model for unit tests, <see cref="Small"/> shrunk: width 64, 2 layers, 4 heads / 2 KV heads (head_dim 16,
    /// mrope_section [2, 3, 3]), MLP 128; vision width 32, 2 blocks, 2 heads, MLP 64, an 8×8 position table, DeepStack from
    /// block 0. Tied LM head, compact-tokenizer vocabulary of 1024 ids.
    /// </summary>
    public static Qwen3VLConfig Tiny { get; } = Small with
    {
        Text = Small.Text with { HiddenSize = 64, IntermediateSize = 128, NumHiddenLayers = 2, HeadDim = 16, MropeSection = [2, 3, 3], MaxPositionEmbeddings = 4096 },
        Vision = Small.Vision with
        {
            Depth = 2, HiddenSize = 32, IntermediateSize = 64, NumHeads = 2, OutHiddenSize = 64, NumPositionEmbeddings = 64, DeepstackVisualIndexes = [0],
        },
    };

    /// <summary>The preset names <see cref="ByName"/> takes, without <see cref="CommandLinePrefix"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["tiny", "small", "2b", "4b", "8b", "32b"];

    /// <summary>
    /// Looks a preset up by name: "tiny", "small", "2b", "4b", "8b", "32b" (case-insensitive), with or without
    /// <see cref="CommandLinePrefix"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The name is none of them.</exception>
    public static Qwen3VLConfig ByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = name.Trim().ToLowerInvariant();
        if (key.StartsWith(CommandLinePrefix, StringComparison.Ordinal)) key = key[CommandLinePrefix.Length..];
        return key switch
        {
            "tiny" => Tiny,
            "small" => Small,
            "2b" => Qwen2B,
            "4b" => Qwen4B,
            "8b" => Qwen8B,
            "32b" => Qwen32B,
            _ => throw new ArgumentException(
                $"Unknown Qwen3-VL preset '{name}': use {string.Join(", ", Names.Select(n => CommandLinePrefix + n))}.", nameof(name)),
        };
    }

    /// <summary>Whether <paramref name="name"/> names a Qwen3-VL preset on the command line (it starts with <see cref="CommandLinePrefix"/>).</summary>
    public static bool IsCommandLineName(string name) =>
        name is not null && name.Trim().StartsWith(CommandLinePrefix, StringComparison.OrdinalIgnoreCase);
}
