using System.Text;
using VisionR1.Text;

namespace VisionR1.Tests.Inputs;

public sealed class QwenTokenizerTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly ByteLevelBpeTokenizer _tokenizer;

    public QwenTokenizerTests() => _tokenizer = TokenizerLoader.FromFolder(TokenizerFixture.WriteVocabAndMerges(_temp.Path));

    public void Dispose() => _temp.Dispose();

    private static readonly string[] Samples =
    [
        "Hello, world!",
        "the count is 12345, then 6.",
        "emoji 😀👍🏽 and flags 🇫🇷",
        "中文字符和日本語のテキスト、한국어",
        "control \u0001\u0002\t\r\n\u007f chars",
        "  leading and trailing spaces   \n\n\n",
        "Wait, <think> tags </think> and <answer>42</answer>",
        "math: ∫ x² dx = x³/3, π ≈ 3.14159",
        "",
    ];

    public static TheoryData<string> Strings() => new(Samples);

    [Theory]
    [MemberData(nameof(Strings))]
    public void Byte_level_round_trip_is_lossless(string text)
    {
        var ids = _tokenizer.Encode(text);
        Assert.Equal(text, _tokenizer.Decode(ids));
    }

    [Fact]
    public void Random_unicode_round_trips_after_nfc()
    {
        var random = new Random(1234);
        for (var n = 0; n < 200; n++)
        {
            var text = RandomText.Unicode(random, random.Next(1, 40));
            var expected = text.Normalize(NormalizationForm.FormC);
            Assert.Equal(expected, _tokenizer.Decode(_tokenizer.Encode(text)));
        }
    }

    [Fact]
    public void Nfc_normalisation_joins_combining_marks()
    {
        var decomposed = "e\u0301"; // e + combining acute
        Assert.Equal(_tokenizer.Encode("\u00e9"), _tokenizer.Encode(decomposed));
    }

    [Fact]
    public void Digits_are_split_one_by_one_even_with_a_digit_merge()
    {
        // The fixture has the merge "1 2"; the pre-tokenizer must never let it apply.
        var ids = _tokenizer.Encode("1234567890");
        Assert.Equal("1234567890".Select(c => TokenizerFixture.Id(c.ToString())), ids);
        Assert.DoesNotContain(TokenizerFixture.Id("12"), ids);
    }

    [Fact]
    public void Merges_apply_in_rank_order()
    {
        Assert.Equal([TokenizerFixture.Id("Ġthe"), TokenizerFixture.Id("Ġcount")], _tokenizer.Encode(" the count"));
        Assert.Equal([TokenizerFixture.Id("Wait")], _tokenizer.Encode("Wait"));
    }

    [Fact]
    public void Special_ids_are_as_configured()
    {
        Assert.Equal(SpecialTokenIds.Qwen25VL, _tokenizer.Special);
        Assert.Equal(151658, _tokenizer.VocabularySize);
    }

    [Fact]
    public void Special_tokens_are_recognised_whole()
    {
        var ids = _tokenizer.Encode("<|im_start|>user\nhi<|im_end|><|image_pad|><|image_pad|>");
        Assert.Equal(151644, ids[0]);
        Assert.Equal([151645, 151655, 151655], ids.Skip(ids.Count - 3));
        Assert.Equal(4, ids.Count(id => id >= 151643));
    }

    [Fact]
    public void Special_look_alikes_are_plain_text_unless_allowed()
    {
        const string text = "<|im_start|>x<|im_end|>";
        var plain = _tokenizer.Encode(text, allowSpecial: false);
        Assert.DoesNotContain(plain, id => id >= 151643);
        Assert.Equal(text, _tokenizer.Decode(plain));
        Assert.Contains(151644, _tokenizer.Encode(text, allowSpecial: true));

        // Near misses never become special tokens, even when allowed.
        foreach (var near in new[] { "<|im_start |>", "<|im_star|>", "<|IM_START|>", "< |im_end|>" })
        {
            Assert.DoesNotContain(_tokenizer.Encode(near, allowSpecial: true), id => id >= 151643);
        }
    }

    [Fact]
    public void Non_special_added_tokens_are_always_matched_and_always_decoded()
    {
        Assert.Equal([151657], _tokenizer.Encode("<tool_call>", allowSpecial: false));
        Assert.Equal("<tool_call>", _tokenizer.Decode([151657, 151645], skipSpecial: true));
    }

    [Fact]
    public void Decode_can_skip_special_tokens_and_ignores_unknown_ids()
    {
        var ids = _tokenizer.Encode("<|im_start|>the<|im_end|>").Append(151900).ToList();
        Assert.Equal("the", _tokenizer.Decode(ids, skipSpecial: true));
        Assert.Equal("<|im_start|>the<|im_end|>", _tokenizer.Decode(ids));
    }

    [Fact]
    public void Concurrent_encoding_matches_sequential_encoding()
    {
        var random = new Random(8);
        var texts = Enumerable.Range(0, 400).Select(_ => RandomText.Unicode(random, 60)).ToArray();
        var sequential = texts.Select(t => _tokenizer.Encode(t).ToArray()).ToArray();
        var parallel = new int[texts.Length][];
        Parallel.For(0, texts.Length, i => parallel[i] = _tokenizer.Encode(texts[i]).ToArray());
        Assert.Equal(sequential, parallel);
    }

    [Fact]
    public void Tokenizer_json_and_vocab_merges_give_identical_ids()
    {
        var fromJson = TokenizerLoader.FromFolder(TokenizerFixture.WriteTokenizerJson(_temp.Path));
        var random = new Random(99);
        var samples = Samples.Concat(Enumerable.Range(0, 100).Select(_ => RandomText.Unicode(random, 30)));
        foreach (var text in samples)
        {
            Assert.Equal(_tokenizer.Encode(text), fromJson.Encode(text));
        }

        Assert.Equal(_tokenizer.Special, fromJson.Special);
        Assert.Equal(_tokenizer.VocabularySize, fromJson.VocabularySize);
    }

    [Fact]
    public void Save_then_load_gives_identical_ids()
    {
        var saved = Path.Combine(_temp.Path, "saved");
        _tokenizer.Save(saved);
        var reloaded = TokenizerLoader.FromFolder(saved);
        var fromVocab = TokenizerLoader.FromVocabAndMerges(Path.Combine(saved, "vocab.json"), Path.Combine(saved, "merges.txt"), Path.Combine(saved, "tokenizer_config.json"));
        foreach (var text in Samples)
        {
            Assert.Equal(_tokenizer.Encode(text), reloaded.Encode(text));
            Assert.Equal(_tokenizer.Encode(text), fromVocab.Encode(text));
        }
    }

    [Fact]
    public void Malformed_files_fail_with_the_file_named()
    {
        var dir = TokenizerFixture.WriteVocabAndMerges(Path.Combine(_temp.Path, "bad"));
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\nĠ t\nthis line has three\n");
        var merges = Assert.Throws<TokenizerFormatException>(() => TokenizerLoader.FromFolder(dir));
        Assert.Contains("merges.txt", merges.Message);
        Assert.Contains("line 3", merges.Message);

        File.WriteAllText(Path.Combine(dir, "vocab.json"), "{ not json");
        var vocab = Assert.Throws<TokenizerFormatException>(() => TokenizerLoader.FromFolder(dir));
        Assert.Contains("vocab.json", vocab.Message);

        var empty = Directory.CreateDirectory(Path.Combine(_temp.Path, "empty")).FullName;
        Assert.Contains("tokenizer.json", Assert.Throws<TokenizerFormatException>(() => TokenizerLoader.FromFolder(empty)).Message);
    }

    [Fact]
    public void Missing_chat_token_is_reported()
    {
        var dir = TokenizerFixture.WriteVocabAndMerges(Path.Combine(_temp.Path, "nochat"));
        var config = Path.Combine(dir, "tokenizer_config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\\u003C|image_pad|\\u003E", "<|image_pad_x|>"));
        var ex = Assert.Throws<TokenizerFormatException>(() => TokenizerLoader.FromFolder(dir));
        Assert.Contains("<|image_pad|>", ex.Message);
    }
}
