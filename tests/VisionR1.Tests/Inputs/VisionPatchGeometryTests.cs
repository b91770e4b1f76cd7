using System.IO.Compression;
using System.Text.Json.Nodes;
using VisionR1.Inputs;
using VisionR1.Runtime;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Tests.Inputs;

/// <summary>
/// The patch geometry as a value: Qwen3-VL's 16-pixel patches through patchify, the collator and the processor read
/// from a folder, and the Qwen3 tokenizer's added tokens.
/// </summary>
public sealed class VisionPatchGeometryTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_released_geometries_give_their_patch_sizes_and_factors()
    {
        Assert.Equal((1176, 28, 4), (VisionPatchGeometry.Qwen25VL.PatchDim, VisionPatchGeometry.Qwen25VL.Factor, VisionPatchGeometry.Qwen25VL.PatchesPerToken));
        Assert.Equal((1536, 32, 4), (VisionPatchGeometry.Qwen3VL.PatchDim, VisionPatchGeometry.Qwen3VL.Factor, VisionPatchGeometry.Qwen3VL.PatchesPerToken));
        Assert.Equal(VisionPatchGeometry.Qwen3VL, VisionPatchGeometry.Qwen3VL with { Mean = [0.5f, 0.5f, 0.5f] });
        Assert.NotEqual(VisionPatchGeometry.Qwen3VL, VisionPatchGeometry.Qwen3VL with { Std = [0.5f, 0.5f, 0.25f] });
        Assert.Throws<ArgumentException>(() => new ImageProcessorOptions(Geometry: VisionPatchGeometry.Qwen3VL with { Std = [0.5f, 0f, 0.5f] }));
    }

    [Fact]
    public void Qwen3_patch_order_matches_the_reference_reshape_and_permute()
    {
        VisionR1Runtime.Initialize("cpu");
        using var scope = NewDisposeScope();
        const int h = 64, w = 96;
        var g = VisionPatchGeometry.Qwen3VL;
        var planes = Enumerable.Range(0, 3 * h * w).Select(i => (float)i).ToArray();
        var (patches, gt, gh, gw) = ImagePatches.Patchify(planes, h, w, g);
        // HF: stack 2 frames → (t=1, 2, C, gh/2, 2, 16, gw/2, 2, 16) → permute(0,3,6,4,7,2,1,5,8) → (N, 1536).
        var reference = tensor(planes, [1, 3, h, w]).repeat(2, 1, 1, 1)
            .reshape(1, 2, 3, gh / 2, 2, 16, gw / 2, 2, 16)
            .permute(0, 3, 6, 4, 7, 2, 1, 5, 8)
            .reshape(gt * gh * gw, 1536);
        Assert.Equal(reference.data<float>().ToArray(), patches);
        var frames = ImagePatches.Unpatchify(patches, gt, gh, gw, g);
        Assert.Equal(planes, frames.AsSpan(0, planes.Length).ToArray());
        Assert.Throws<ArgumentException>(() => ImagePatches.Patchify(new float[3 * 56 * 84], 56, 84, g)); // 28-multiples are not 32-multiples
    }

    [Fact]
    public void Qwen3_images_normalise_with_mean_and_std_one_half_and_patchify_in_one_pass_alike()
    {
        var g = VisionPatchGeometry.Qwen3VL;
        var image = new RgbImage(64, 32, Enumerable.Range(0, 64 * 32 * 3).Select(i => (byte)(i * 7 % 256)).ToArray());
        var planes = ImageProcessor.Normalize(image, g);
        Assert.Equal(-1f, ImageProcessor.Normalize(new RgbImage(1, 1, [0, 0, 0]), g)[0]);
        Assert.Equal(1f, ImageProcessor.Normalize(new RgbImage(1, 1, [255, 255, 255]), g)[0], 6);
        var processed = new ProcessedImage("p", image, g);
        Assert.Equal((1, 2, 4, 2), (processed.GridT, processed.GridH, processed.GridW, processed.MergedTokenCount));
        Assert.Equal(ImagePatches.Patchify(planes, 32, 64, g).Patches, processed.Patches);
    }

    [Fact]
    public void The_collator_stacks_qwen3_patches_as_1536_values_and_refuses_mixed_geometries()
    {
        VisionR1Runtime.Initialize("cpu");
        var tokenizer = TokenizerLoader.FromFolder(TokenizerFixture.WriteVocabAndMerges(_temp.Path));
        var qwen3 = new ImageProcessor(new ImageProcessorOptions(MinPixels: 1024, Geometry: VisionPatchGeometry.Qwen3VL)).Process(ChatTemplateTests.Gray(96, 64), "q3.png");
        var qwen25 = new ImageProcessor().Process(ChatTemplateTests.Gray(84, 56), "q25.png");
        var template = new ChatTemplate(tokenizer, ChatTemplateOptions.Qwen3VLInstruct);
        var row = template.Encode([ChatTurn.User(new ImagePart(qwen3), new TextPart("?"))], addGenerationPrompt: true);
        using (var batch = MultimodalCollator.Collate([row], tokenizer.Special))
        {
            Assert.Equal(new long[] { 24, 1536 }, batch.PixelValues!.shape);
            Assert.Equal(qwen3.Patches, batch.PixelValues.data<float>().ToArray());
        }

        var mixed = template.Encode([ChatTurn.User(new ImagePart(qwen25), new TextPart("?"))], addGenerationPrompt: true);
        var e = Assert.Throws<ArgumentException>(() => MultimodalCollator.Collate([row, mixed], tokenizer.Special));
        Assert.Contains("q25.png", e.Message);
    }

    private void WriteReleasedQwen3Folder(bool withPreprocessorConfig)
    {
        File.WriteAllText(Path.Combine(_temp.Path, "config.json"), """{"model_type": "qwen3_vl", "architectures": ["Qwen3VLForConditionalGeneration"]}""");
        if (withPreprocessorConfig)
        {
            // The released Qwen3-VL preprocessor_config.json's fields.
            File.WriteAllText(Path.Combine(_temp.Path, "preprocessor_config.json"), """
                {"size": {"longest_edge": 16777216, "shortest_edge": 65536}, "patch_size": 16, "temporal_patch_size": 2, "merge_size": 2,
                 "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "processor_class": "Qwen3VLProcessor",
                 "image_processor_type": "Qwen2VLImageProcessorFast"}
                """);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_qwen3_vl_folder_gives_the_qwen3_geometry_from_its_preprocessor_config_or_its_model_type(bool withPreprocessorConfig)
    {
        WriteReleasedQwen3Folder(withPreprocessorConfig);
        Assert.Equal(VisionPatchGeometry.Qwen3VL, VisionPatchGeometry.FromPretrained(_temp.Path));
    }

    [Fact]
    public void Preprocessor_fields_override_the_defaults_and_min_max_pixels_override_size()
    {
        File.WriteAllText(Path.Combine(_temp.Path, "preprocessor_config.json"), """
            {"patch_size": 16, "image_mean": 0.5, "size": {"shortest_edge": 4096, "longest_edge": 65536}, "max_pixels": 32768}
            """);
        var g = VisionPatchGeometry.FromPretrained(_temp.Path);
        Assert.Equal(VisionPatchGeometry.Qwen25VL with { PatchSize = 16, Mean = [0.5f, 0.5f, 0.5f], MinPixels = 4096, MaxPixels = 32768 }, g);
        Assert.Equal(VisionPatchGeometry.Qwen3VL with { MinPixels = 4096, MaxPixels = 32768 }, VisionPatchGeometry.FromPretrained(_temp.Path, VisionPatchGeometry.Qwen3VL));
        File.WriteAllText(Path.Combine(_temp.Path, "preprocessor_config.json"), """{"patch_size": "16"}""");
        Assert.Contains("preprocessor_config.json", Assert.Throws<InvalidDataException>(() => VisionPatchGeometry.FromPretrained(_temp.Path)).Message);
    }

    private static readonly (string Content, int Id)[] Qwen3AddedTokens = [("<tool_response>", 151665), ("</tool_response>", 151666), ("<think>", 151667), ("</think>", 151668)];

    /// <summary>
    /// A Qwen3-VL tokenizer folder: the released Qwen2.5 vocabulary, merges and added tokens (151643–151664) with the
    /// four Qwen3 adds, non-special as released (&lt;tool_response&gt; 151665, &lt;/tool_response&gt; 151666,
    /// &lt;think&gt; 151667, &lt;/think&gt; 151668): as tokenizer.json, or as vocab.json + merges.txt with the added tokens
    /// in tokenizer_config.json's added_tokens_decoder.
    /// </summary>
    private void WriteQwen3Tokenizer(bool asTokenizerJson = true)
    {
        var fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "qwen25");
        using var gz = new GZipStream(File.OpenRead(Path.Combine(fixtures, "tokenizer.json.gz")), CompressionMode.Decompress);
        var root = JsonNode.Parse(gz)!;
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(fixtures, "tokenizer_config.json")))!;
        var added = root["added_tokens"]!.AsArray();
        var decoder = config["added_tokens_decoder"]!.AsObject();
        foreach (var (content, id) in Qwen3AddedTokens)
        {
            JsonObject Token() => new() { ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = false };
            var token = Token();
            token["id"] = id;
            added.Add(token);
            decoder[id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = Token();
        }

        File.WriteAllText(Path.Combine(_temp.Path, "tokenizer_config.json"), config.ToJsonString());
        if (asTokenizerJson)
        {
            File.WriteAllText(Path.Combine(_temp.Path, "tokenizer.json"), root.ToJsonString());
            return;
        }

        File.WriteAllText(Path.Combine(_temp.Path, "vocab.json"), root["model"]!["vocab"]!.ToJsonString());
        File.WriteAllLines(Path.Combine(_temp.Path, "merges.txt"), ["#version: 0.2", .. root["model"]!["merges"]!.AsArray().Select(m =>
            m is JsonArray pair ? $"{pair[0]} {pair[1]}" : m!.GetValue<string>())]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_qwen3_tokenizer_keeps_think_tags_as_single_tokens_that_decoding_keeps(bool asTokenizerJson)
    {
        WriteQwen3Tokenizer(asTokenizerJson);
        var tokenizer = TokenizerLoader.FromFolder(_temp.Path);
        Assert.Equal(151669, tokenizer.VocabularySize);
        Assert.Equal(SpecialTokenIds.Qwen25VL, tokenizer.Special);
        var newline = tokenizer.Encode("\n", allowSpecial: false).Single();
        foreach (var allowSpecial in new[] { true, false })
        {
            var ids = tokenizer.Encode("<think>\nx</think>", allowSpecial);
            Assert.Equal(151667, ids[0]);
            Assert.Equal(newline, ids[1]);
            Assert.Equal(151668, ids[^1]);
        }

        Assert.Equal("<think>\nx</think>", tokenizer.Decode(tokenizer.Encode("<think>\nx</think>"), skipSpecial: true));
    }

    [Fact]
    public void The_processor_of_a_released_qwen3_vl_folder_uses_its_geometry_template_and_tokenizer()
    {
        WriteQwen3Tokenizer();
        WriteReleasedQwen3Folder(withPreprocessorConfig: true);
        File.WriteAllText(Path.Combine(_temp.Path, "chat_template.json"), """{"chat_template": "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n<think>\\n' }}{%- endif %}"}""");
        var processor = Qwen25VLProcessor.FromPretrained(_temp.Path);
        Assert.Equal(VisionPatchGeometry.Qwen3VL, processor.ImageProcessor.Geometry);
        Assert.Equal((65_536, 16_777_216), (processor.ImageProcessor.Options.MinPixels, processor.ImageProcessor.Options.MaxPixels));
        Assert.Equal(ChatTemplateStyle.Qwen3VLThinking, processor.Template.Options.Style);
        var ids = processor.Tokenize([ChatTurn.User("hi")]).InputIds;
        Assert.Equal(new[] { 151667, NewlineId(processor) }, ids.TakeLast(2).ToArray());

        File.Delete(Path.Combine(_temp.Path, "chat_template.json"));
        File.Delete(Path.Combine(_temp.Path, "tokenizer_config.json")); // its chat_template is Qwen2.5's text template
        Assert.Equal(ChatTemplateStyle.Qwen3VLInstruct, Qwen25VLProcessor.FromPretrained(_temp.Path).Template.Options.Style);
    }

    private static int NewlineId(Qwen25VLProcessor processor) => processor.Tokenizer.Encode("\n", allowSpecial: false).Single();
}
