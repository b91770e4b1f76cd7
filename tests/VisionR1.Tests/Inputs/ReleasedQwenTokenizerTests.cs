using System.IO.Compression;
using System.Text.Json;
using VisionR1.Inputs;
using VisionR1.Text;

namespace VisionR1.Tests.Inputs;

/// <summary>
/// The released Qwen2.5 tokenizer files (shipped gzipped under samples/VisionR1.Trainer/Base/qwen25-tokenizer and linked into Fixtures/qwen25), loaded from a model-style folder,
/// against encodings made by an independent implementation (@lenml/tokenizers, a port of transformers.js's;
/// see tools/tokenizer/make_qwen_reference.mjs).
/// </summary>
public sealed class ReleasedQwenTokenizerTests : IClassFixture<ReleasedQwenTokenizerTests.Files>
{
    public sealed class Files : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "vr1-qwen25-" + Guid.NewGuid().ToString("N"));

        public Files()
        {
            var fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "qwen25");
            Directory.CreateDirectory(_folder);
            using (var gz = new GZipStream(File.OpenRead(Path.Combine(fixtures, "tokenizer.json.gz")), CompressionMode.Decompress))
            using (var json = File.Create(Path.Combine(_folder, "tokenizer.json")))
                gz.CopyTo(json);
            File.Copy(Path.Combine(fixtures, "tokenizer_config.json"), Path.Combine(_folder, "tokenizer_config.json"));
            Tokenizer = TokenizerLoader.FromFolder(_folder);
            using var reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(fixtures, "reference.json")));
            Cases = reference.RootElement.GetProperty("cases").EnumerateArray()
                .Select(c => (c.GetProperty("text").GetString()!, c.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToArray()))
                .ToList();
        }

        public ByteLevelBpeTokenizer Tokenizer { get; }

        public List<(string Text, int[] Ids)> Cases { get; }

        public void Dispose() => Directory.Delete(_folder, recursive: true);
    }

    private readonly Files _files;

    public ReleasedQwenTokenizerTests(Files files) => _files = files;

    [Fact]
    public void Every_reference_text_encodes_to_the_reference_ids_and_decodes_back()
    {
        Assert.Equal(18, _files.Cases.Count);
        foreach (var (text, ids) in _files.Cases)
        {
            Assert.Equal(ids, _files.Tokenizer.Encode(text));
            Assert.Equal(text, _files.Tokenizer.Decode(ids));
        }
    }

    [Fact]
    public void Chat_and_vision_tokens_have_the_released_ids()
    {
        var special = _files.Tokenizer.Special;
        Assert.Equal(151643, special.EndOfText);
        Assert.Equal(151644, special.ImStart);
        Assert.Equal(151645, special.ImEnd);
        Assert.Equal(151652, special.VisionStart);
        Assert.Equal(151653, special.VisionEnd);
        Assert.Equal(151655, special.ImagePad);
        Assert.Equal(151656, special.VideoPad);
        Assert.Equal(151665, _files.Tokenizer.VocabularySize);
    }

    [Fact]
    public void The_chat_template_renders_an_image_question_as_the_reference_encodes_it()
    {
        // reference.json holds this exact rendering (system prompt, one image of two merged tokens, a question).
        var (text, ids) = _files.Cases.Single(c => c.Text.StartsWith("<|im_start|>system", StringComparison.Ordinal));
        var template = new ChatTemplate(_files.Tokenizer);
        var image = new ProcessedImage("two-token.png", new float[2 * 4 * 3 * 2 * 14 * 14], 1, 2, 4); // 8 patches → 2 merged tokens
        var encoded = template.Encode([ChatTurn.User(new ImagePart(image), new TextPart("What is x?"))], addGenerationPrompt: true);
        Assert.Equal(text, _files.Tokenizer.Decode(encoded.InputIds));
        Assert.Equal(ids, encoded.InputIds);
    }
}
