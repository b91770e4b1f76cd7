using System.Text.Json;
using System.Text.Json.Nodes;
using VisionR1.IO;
using VisionR1.Model.Config;
using static VisionR1.Model.Config.ConfigJson;

namespace VisionR1.Model.Qwen3VL;

/// <summary>
/// A whole Qwen3-VL configuration as the Hub's <c>config.json</c> states it: the language model (<c>text_config</c>),
/// the vision encoder (<c>vision_config</c>) and the special token ids (top level; bos/eos in <c>text_config</c>).
/// </summary>
/// <param name="Text">The language model.</param>
/// <param name="Vision">The vision encoder.</param>
/// <param name="Tokens">Special token ids (pad: <c>pad_token_id</c> when present, else the BOS id, as for Qwen2.5-VL).</param>
public sealed record Qwen3VLConfig(Qwen3VLTextConfig Text, Qwen3VLVisionConfig Vision, ModelTokenIds Tokens)
{
    /// <summary>
    /// Standard deviation of the random initialisation (<c>initializer_range</c>; transformers reads the top-level field when
    /// present, else <c>text_config.initializer_range</c>, default 0.02).
    /// </summary>
    public double InitializerRange { get; init; } = 0.02;

    /// <summary>Throws <see cref="ModelConfigException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        Text.Validate();
        Vision.Validate();
        if (Vision.OutHiddenSize != Text.HiddenSize)
            throw new ModelConfigException("vision_config.out_hidden_size", $"{Vision.OutHiddenSize} must equal the language model's hidden_size {Text.HiddenSize}.");
        Tokens.CheckWithin(Text.VocabSize);
    }

    /// <summary>Reads and validates <c>config.json</c> from a file or a model folder.</summary>
    /// <exception cref="ModelConfigException">A field is missing, mistyped or inconsistent (named, with the file).</exception>
    public static Qwen3VLConfig Load(string pathOrDirectory)
    {
        return ReadFile(pathOrDirectory, Parse);
    }

    /// <summary>Parses and validates config.json text in the Hub's nested layout.</summary>
    /// <exception cref="ModelConfigException">A field is missing, mistyped or inconsistent (named).</exception>
    public static Qwen3VLConfig Parse(string json)
    {
        var root = ParseRoot(json);
        if (root["model_type"] is JsonNode type && type.GetValueKind() == JsonValueKind.String && type.GetValue<string>() != "qwen3_vl")
            throw new ModelConfigException("model_type", $"'{type.GetValue<string>()}' is not a Qwen3-VL config (expected 'qwen3_vl').");
        var t = root["text_config"] as JsonObject ?? throw new ModelConfigException("text_config", "is required (Qwen3-VL configs nest the language model).");
        var v = root["vision_config"] as JsonObject ?? throw new ModelConfigException("vision_config", "is required.");
        var text = ParseText(t);
        var config = new Qwen3VLConfig(text, ParseVision(v, text.HiddenSize), ParseTokens(root, t))
        {
            InitializerRange = DoubleOr(root["initializer_range"] ?? t["initializer_range"],
                root["initializer_range"] is not null ? "initializer_range" : "text_config.initializer_range", 0.02),
        };
        config.Validate();
        return config;
    }

    private static Qwen3VLTextConfig ParseText(JsonObject t)
    {
        const string p = "text_config.";
        var d = new Qwen3VLTextConfig();
        var (ropeName, rope) = t["rope_parameters"] is JsonObject rp ? ("rope_parameters", rp) : ("rope_scaling", t["rope_scaling"] as JsonObject);
        var ropeType = StringOr(rope?["rope_type"] ?? rope?["type"], p + ropeName + ".rope_type", "default");
        if (ropeType != "default")
            throw new ModelConfigException(p + ropeName + ".rope_type", $"'{ropeType}' is not supported (only the default rotary embedding, as released).");
        if (rope?["mrope_interleaved"] is JsonNode inter && !BoolOr(inter, p + ropeName + ".mrope_interleaved", true))
            throw new ModelConfigException(p + ropeName + ".mrope_interleaved", "false is not supported: Qwen3-VL interleaves the rotary axes.");
        int heads = Int(t["num_attention_heads"], p + "num_attention_heads");
        return new Qwen3VLTextConfig
        {
            VocabSize = Int(t["vocab_size"], p + "vocab_size"),
            HiddenSize = Int(t["hidden_size"], p + "hidden_size"),
            IntermediateSize = Int(t["intermediate_size"], p + "intermediate_size"),
            NumHiddenLayers = Int(t["num_hidden_layers"], p + "num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = IntOr(t["num_key_value_heads"], p + "num_key_value_heads", heads),
            HeadDim = IntOr(t["head_dim"], p + "head_dim", d.HeadDim),
            RmsNormEps = DoubleOr(t["rms_norm_eps"], p + "rms_norm_eps", d.RmsNormEps),
            RopeTheta = DoubleOr(rope?["rope_theta"] ?? t["rope_theta"], rope?["rope_theta"] is not null ? p + ropeName + ".rope_theta" : p + "rope_theta", d.RopeTheta),
            MropeSection = rope?["mrope_section"] is JsonNode ms ? IntList(ms, p + ropeName + ".mrope_section") : d.MropeSection,
            AttentionBias = BoolOr(t["attention_bias"], p + "attention_bias", false),
            TieWordEmbeddings = BoolOr(t["tie_word_embeddings"], p + "tie_word_embeddings", false),
            MaxPositionEmbeddings = IntOr(t["max_position_embeddings"], p + "max_position_embeddings", d.MaxPositionEmbeddings),
            HiddenAct = StringOr(t["hidden_act"], p + "hidden_act", d.HiddenAct),
        };
    }

    private static Qwen3VLVisionConfig ParseVision(JsonObject v, int textHiddenSize)
    {
        const string p = "vision_config.";
        var d = new Qwen3VLVisionConfig();
        return new Qwen3VLVisionConfig
        {
            Depth = Int(v["depth"], p + "depth"),
            HiddenSize = Int(v["hidden_size"], p + "hidden_size"),
            IntermediateSize = Int(v["intermediate_size"], p + "intermediate_size"),
            NumHeads = Int(v["num_heads"], p + "num_heads"),
            InChannels = IntOr(v["in_channels"], p + "in_channels", d.InChannels),
            PatchSize = IntOr(v["patch_size"], p + "patch_size", d.PatchSize),
            TemporalPatchSize = IntOr(v["temporal_patch_size"], p + "temporal_patch_size", d.TemporalPatchSize),
            SpatialMergeSize = IntOr(v["spatial_merge_size"], p + "spatial_merge_size", d.SpatialMergeSize),
            OutHiddenSize = IntOr(v["out_hidden_size"], p + "out_hidden_size", textHiddenSize),
            NumPositionEmbeddings = IntOr(v["num_position_embeddings"], p + "num_position_embeddings", d.NumPositionEmbeddings),
            DeepstackVisualIndexes = v["deepstack_visual_indexes"] is JsonNode di ? IntList(di, p + "deepstack_visual_indexes") : d.DeepstackVisualIndexes,
            HiddenAct = StringOr(v["hidden_act"], p + "hidden_act", d.HiddenAct),
        };
    }

    private static ModelTokenIds ParseTokens(JsonObject root, JsonObject text)
    {
        var q = ModelTokenIds.Qwen25VL; // Qwen3-VL keeps Qwen2.5-VL's special ids
        var bos = IntOr(text["bos_token_id"] ?? root["bos_token_id"], "bos_token_id", q.BosTokenId);
        return new ModelTokenIds(
            bos,
            EosId(text["eos_token_id"] ?? root["eos_token_id"], q.EosTokenId),
            IntOr(text["pad_token_id"] ?? root["pad_token_id"], "pad_token_id", bos),
            IntOr(root["image_token_id"], "image_token_id", q.ImageTokenId),
            IntOr(root["video_token_id"], "video_token_id", q.VideoTokenId),
            IntOr(root["vision_start_token_id"], "vision_start_token_id", q.VisionStartTokenId),
            IntOr(root["vision_end_token_id"], "vision_end_token_id", q.VisionEndTokenId));
    }

    /// <summary>
    /// The config as config.json text in the Hub's nested layout (<c>text_config</c>, <c>vision_config</c>, the token ids at
    /// the top level, bos/eos/pad in <c>text_config</c>), which <see cref="Parse"/> and transformers' <c>Qwen3VLConfig</c> read
    /// back; <paramref name="dtype"/> is the weights' dtype name ("float32", "bfloat16" or "float16").
    /// </summary>
    public string ToJson(string dtype = "float32")
    {
        var t = Text;
        var v = Vision;
        var o = new JsonObject
        {
            ["architectures"] = new JsonArray("Qwen3VLForConditionalGeneration"),
            ["model_type"] = "qwen3_vl",
            ["image_token_id"] = Tokens.ImageTokenId,
            ["video_token_id"] = Tokens.VideoTokenId,
            ["vision_start_token_id"] = Tokens.VisionStartTokenId,
            ["vision_end_token_id"] = Tokens.VisionEndTokenId,
            ["initializer_range"] = InitializerRange,
            ["tie_word_embeddings"] = t.TieWordEmbeddings,
            ["dtype"] = dtype,
            ["text_config"] = new JsonObject
            {
                ["model_type"] = "qwen3_vl_text",
                ["attention_bias"] = t.AttentionBias,
                ["attention_dropout"] = 0.0,
                ["bos_token_id"] = Tokens.BosTokenId,
                ["eos_token_id"] = Tokens.EosTokenId,
                ["pad_token_id"] = Tokens.PadTokenId,
                ["dtype"] = dtype,
                ["head_dim"] = t.HeadDim,
                ["hidden_act"] = t.HiddenAct,
                ["hidden_size"] = t.HiddenSize,
                ["initializer_range"] = InitializerRange,
                ["intermediate_size"] = t.IntermediateSize,
                ["max_position_embeddings"] = t.MaxPositionEmbeddings,
                ["num_attention_heads"] = t.NumAttentionHeads,
                ["num_hidden_layers"] = t.NumHiddenLayers,
                ["num_key_value_heads"] = t.NumKeyValueHeads,
                ["rms_norm_eps"] = t.RmsNormEps,
                ["rope_scaling"] = new JsonObject
                {
                    ["mrope_interleaved"] = true,
                    ["mrope_section"] = new JsonArray(t.MropeSection.Select(s => (JsonNode)s).ToArray()),
                    ["rope_type"] = "default",
                },
                ["rope_theta"] = t.RopeTheta,
                ["tie_word_embeddings"] = t.TieWordEmbeddings,
                ["use_cache"] = true,
                ["vocab_size"] = t.VocabSize,
            },
            ["vision_config"] = new JsonObject
            {
                ["model_type"] = "qwen3_vl",
                ["deepstack_visual_indexes"] = new JsonArray(v.DeepstackVisualIndexes.Select(i => (JsonNode)i).ToArray()),
                ["depth"] = v.Depth,
                ["hidden_act"] = v.HiddenAct,
                ["hidden_size"] = v.HiddenSize,
                ["in_channels"] = v.InChannels,
                ["initializer_range"] = InitializerRange,
                ["intermediate_size"] = v.IntermediateSize,
                ["num_heads"] = v.NumHeads,
                ["num_position_embeddings"] = v.NumPositionEmbeddings,
                ["out_hidden_size"] = v.OutHiddenSize,
                ["patch_size"] = v.PatchSize,
                ["spatial_merge_size"] = v.SpatialMergeSize,
                ["temporal_patch_size"] = v.TemporalPatchSize,
            },
        };
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Writes <see cref="ToJson"/> as config.json into <paramref name="directory"/> atomically.</summary>
    public void Save(string directory, string dtype = "float32")
    {
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, "config.json"), ToJson(dtype));
    }
}
