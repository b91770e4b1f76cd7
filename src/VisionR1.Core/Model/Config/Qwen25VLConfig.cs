using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VisionR1.IO;
using static VisionR1.Model.Config.ConfigJson;

namespace VisionR1.Model.Config;

/// <summary>
/// A whole Qwen2.5-VL configuration: language model, vision encoder and special token ids.
/// Reads Hugging Face <c>config.json</c> in the flat (Hub) and nested (<c>text_config</c>,
/// <c>rope_parameters</c>) layouts; writes the flat Hub layout, which every transformers
/// version and vLLM read.
/// </summary>
/// <param name="Text">The language model.</param>
/// <param name="Vision">The vision encoder.</param>
/// <param name="Tokens">Special token ids.</param>
public sealed record Qwen25VLConfig(TextConfig Text, VisionConfig Vision, ModelTokenIds Tokens)
{
    /// <summary>Initialiser standard deviation (<c>initializer_range</c>) used for random weights.</summary>
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
    /// <exception cref="ModelConfigException">A field is missing, mistyped or inconsistent.</exception>
    public static Qwen25VLConfig Load(string pathOrDirectory)
    {
        return ReadFile(pathOrDirectory, Parse);
    }

    /// <summary>Parses and validates config.json text (flat or nested layout).</summary>
    public static Qwen25VLConfig Parse(string json)
    {
        var root = ParseRoot(json);

        var layout = new TextLayout(root, root["text_config"] as JsonObject);
        var text = ParseText(layout);
        var v = root["vision_config"] as JsonObject ?? throw new ModelConfigException("vision_config", "is required.");
        var config = new Qwen25VLConfig(text, ParseVision(v, text.HiddenSize), ParseTokens(layout))
        {
            InitializerRange = DoubleOr(root["initializer_range"] ?? layout.Nested?["initializer_range"], "initializer_range", 0.02),
        };
        try
        {
            config.Validate();
        }
        catch (ModelConfigException e) when (layout.Nested is not null || e.Field.StartsWith("rope_scaling.", StringComparison.Ordinal))
        {
            // Validation speaks in flat names; report the spelling this file uses.
            var field = e.Field.StartsWith("rope_scaling.", StringComparison.Ordinal) ? layout.RopeField + e.Field["rope_scaling".Length..]
                : !e.Field.Contains('.', StringComparison.Ordinal) ? layout.Name(e.Field) : e.Field;
            throw new ModelConfigException(field, e.Detail, e);
        }
        return config;
    }

    /// <summary>Where a config's text fields are: <c>text_config</c> first (<see cref="Nested"/>), then the top level (flat Hub files).</summary>
    private sealed record TextLayout(JsonObject Root, JsonObject? Nested)
    {
        /// <summary>The text field <paramref name="name"/>, nested or flat.</summary>
        public JsonNode? Field(string name) => Nested?[name] ?? Root[name];

        /// <summary>The field's name as this file spells it (for messages).</summary>
        public string Name(string name) => Nested?[name] is not null ? "text_config." + name : name;

        /// <summary>The rotary parameters (<c>rope_parameters</c> or the older <c>rope_scaling</c>).</summary>
        public JsonObject? Rope => (Field("rope_parameters") ?? Field("rope_scaling")) as JsonObject;

        /// <summary>The rotary parameters' name as this file spells it.</summary>
        public string RopeField => Nested?["rope_parameters"] is not null ? "text_config.rope_parameters" : Root["rope_parameters"] is not null ? "rope_parameters" : "rope_scaling";
    }

    private static TextConfig ParseText(TextLayout t)
    {
        var rope = t.Rope;
        var ropeField = t.RopeField;
        var defaults = new TextConfig();
        return new TextConfig
        {
            VocabSize = Int(t.Field("vocab_size"), t.Name("vocab_size")),
            HiddenSize = Int(t.Field("hidden_size"), t.Name("hidden_size")),
            IntermediateSize = Int(t.Field("intermediate_size"), t.Name("intermediate_size")),
            NumHiddenLayers = Int(t.Field("num_hidden_layers"), t.Name("num_hidden_layers")),
            NumAttentionHeads = Int(t.Field("num_attention_heads"), t.Name("num_attention_heads")),
            NumKeyValueHeads = IntOr(t.Field("num_key_value_heads"), t.Name("num_key_value_heads"), Int(t.Field("num_attention_heads"), t.Name("num_attention_heads"))),
            RmsNormEps = DoubleOr(t.Field("rms_norm_eps"), t.Name("rms_norm_eps"), defaults.RmsNormEps),
            RopeTheta = DoubleOr(rope?["rope_theta"] ?? t.Field("rope_theta"), rope?["rope_theta"] is not null ? ropeField + ".rope_theta" : t.Name("rope_theta"), 10000.0),
            MropeSection = rope?["mrope_section"] is JsonNode ms
                ? IntList(ms, ropeField + ".mrope_section")
                : throw new ModelConfigException(ropeField + ".mrope_section", "is required for Qwen2.5-VL (multimodal rotary sections)."),
            TieWordEmbeddings = BoolOr(t.Root["tie_word_embeddings"] ?? t.Nested?["tie_word_embeddings"], "tie_word_embeddings", false),
            MaxPositionEmbeddings = IntOr(t.Field("max_position_embeddings"), t.Name("max_position_embeddings"), defaults.MaxPositionEmbeddings),
            HiddenAct = StringOr(t.Field("hidden_act"), t.Name("hidden_act"), "silu"),
        };
    }

    private static VisionConfig ParseVision(JsonObject v, int textHiddenSize)
    {
        var vd = new VisionConfig();
        const string vp = "vision_config.";
        return new VisionConfig
        {
            Depth = Int(v["depth"], vp + "depth"),
            HiddenSize = Int(v["hidden_size"] ?? v["embed_dim"], vp + "hidden_size"),
            IntermediateSize = Int(v["intermediate_size"], vp + "intermediate_size"),
            NumHeads = Int(v["num_heads"], vp + "num_heads"),
            InChannels = IntOr(v["in_chans"] ?? v["in_channels"], vp + "in_chans", vd.InChannels),
            PatchSize = IntOr(v["patch_size"] ?? v["spatial_patch_size"], vp + "patch_size", vd.PatchSize),
            TemporalPatchSize = IntOr(v["temporal_patch_size"], vp + "temporal_patch_size", vd.TemporalPatchSize),
            SpatialMergeSize = IntOr(v["spatial_merge_size"], vp + "spatial_merge_size", vd.SpatialMergeSize),
            WindowSize = IntOr(v["window_size"], vp + "window_size", vd.WindowSize),
            OutHiddenSize = IntOr(v["out_hidden_size"], vp + "out_hidden_size", textHiddenSize),
            FullAttentionBlockIndexes = v["fullatt_block_indexes"] is JsonNode fb ? IntList(fb, vp + "fullatt_block_indexes") : vd.FullAttentionBlockIndexes,
            TokensPerSecond = IntOr(v["tokens_per_second"], vp + "tokens_per_second", vd.TokensPerSecond),
            HiddenAct = StringOr(v["hidden_act"], vp + "hidden_act", "silu"),
        };
    }

    private static ModelTokenIds ParseTokens(TextLayout t)
    {
        var (root, nested) = (t.Root, t.Nested);
        var q = ModelTokenIds.Qwen25VL;
        var bos = IntOr(root["bos_token_id"] ?? nested?["bos_token_id"], "bos_token_id", q.BosTokenId);
        return new ModelTokenIds(
            bos,
            EosId(root["eos_token_id"] ?? nested?["eos_token_id"], q.EosTokenId),
            IntOr(root["pad_token_id"] ?? nested?["pad_token_id"], "pad_token_id", bos),
            IntOr(root["image_token_id"], "image_token_id", q.ImageTokenId),
            IntOr(root["video_token_id"], "video_token_id", q.VideoTokenId),
            IntOr(root["vision_start_token_id"], "vision_start_token_id", q.VisionStartTokenId),
            IntOr(root["vision_end_token_id"], "vision_end_token_id", q.VisionEndTokenId));
    }

    /// <summary>The config as HF config.json text in the flat Hub layout (<paramref name="torchDtype"/>: "float32" or "bfloat16").</summary>
    public string ToJson(string torchDtype = "float32")
    {
        var t = Text;
        var o = new JsonObject
        {
            ["architectures"] = new JsonArray("Qwen2_5_VLForConditionalGeneration"),
            ["model_type"] = "qwen2_5_vl",
            ["attention_dropout"] = 0.0,
            ["bos_token_id"] = Tokens.BosTokenId,
            ["eos_token_id"] = Tokens.EosTokenId,
            ["pad_token_id"] = Tokens.PadTokenId,
            ["image_token_id"] = Tokens.ImageTokenId,
            ["video_token_id"] = Tokens.VideoTokenId,
            ["vision_start_token_id"] = Tokens.VisionStartTokenId,
            ["vision_end_token_id"] = Tokens.VisionEndTokenId,
            ["hidden_act"] = t.HiddenAct,
            ["hidden_size"] = t.HiddenSize,
            ["initializer_range"] = InitializerRange,
            ["intermediate_size"] = t.IntermediateSize,
            ["max_position_embeddings"] = t.MaxPositionEmbeddings,
            ["max_window_layers"] = t.NumHiddenLayers,
            ["num_attention_heads"] = t.NumAttentionHeads,
            ["num_hidden_layers"] = t.NumHiddenLayers,
            ["num_key_value_heads"] = t.NumKeyValueHeads,
            ["rms_norm_eps"] = t.RmsNormEps,
            ["rope_scaling"] = new JsonObject
            {
                ["type"] = "mrope",
                ["mrope_section"] = new JsonArray(t.MropeSection.Select(s => (JsonNode)s).ToArray()),
            },
            ["rope_theta"] = t.RopeTheta,
            ["sliding_window"] = t.MaxPositionEmbeddings,
            ["tie_word_embeddings"] = t.TieWordEmbeddings,
            ["torch_dtype"] = torchDtype,
            ["use_cache"] = true,
            ["use_sliding_window"] = false,
            ["vocab_size"] = t.VocabSize,
            ["vision_config"] = new JsonObject
            {
                ["depth"] = Vision.Depth,
                ["hidden_act"] = Vision.HiddenAct,
                ["hidden_size"] = Vision.HiddenSize,
                ["intermediate_size"] = Vision.IntermediateSize,
                ["num_heads"] = Vision.NumHeads,
                ["in_chans"] = Vision.InChannels,
                ["out_hidden_size"] = Vision.OutHiddenSize,
                ["patch_size"] = Vision.PatchSize,
                ["spatial_merge_size"] = Vision.SpatialMergeSize,
                ["spatial_patch_size"] = Vision.PatchSize,
                ["temporal_patch_size"] = Vision.TemporalPatchSize,
                ["window_size"] = Vision.WindowSize,
                ["fullatt_block_indexes"] = new JsonArray(Vision.FullAttentionBlockIndexes.Select(s => (JsonNode)s).ToArray()),
                ["tokens_per_second"] = Vision.TokensPerSecond,
            },
        };
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Writes config.json into <paramref name="directory"/> atomically.</summary>
    public void Save(string directory, string torchDtype = "float32")
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "config.json");
        AtomicFile.WriteAllText(path, ToJson(torchDtype));
    }
}
