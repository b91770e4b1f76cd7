using VisionR1.Text;

namespace VisionR1.Tests.Inputs;

public sealed class CompactTokenizerTests : IDisposable
{
    private static readonly string[] Corpus = BuildCorpus();
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string[] BuildCorpus()
    {
        var random = new Random(5);
        var shapes = new[] { "triangle", "circle", "square", "rectangle" };
        var lines = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            var shape = shapes[random.Next(shapes.Length)];
            var a = random.Next(1, 50);
            var b = random.Next(1, 50);
            lines.Add($"How many {shape}s are in the image? Count them and answer with a number.");
            lines.Add($"The biggest {shape} is at the top.");
            lines.Add($"<think>\nI count the {shape}s: there are {a}. Wait, let me check again. The total is {a} + {b} = {a + b}.\n</think>\n<answer>{a + b}</answer>");
        }

        return [.. lines];
    }

    [Fact]
    public void Ids_follow_the_compact_layout()
    {
        var tokenizer = CompactTokenizerTrainer.Train(Corpus);
        Assert.Equal(new SpecialTokenIds(0, 1, 2, 3, 4, 5, 6), tokenizer.Special);
        for (var i = 0; i < SpecialTokenNames.All.Count; i++)
        {
            Assert.Equal(SpecialTokenNames.All[i], tokenizer.IdToToken(i));
        }

        for (var b = 0; b < 256; b++)
        {
            Assert.Equal(ByteLevelAlphabet.ToChar((byte)b).ToString(), tokenizer.IdToToken(7 + b));
        }

        Assert.True(tokenizer.VocabularySize <= 1024, $"vocabulary {tokenizer.VocabularySize}");
        Assert.True(tokenizer.VocabularySize > 263, "no merges were learned");
    }

    [Fact]
    public void Vocabulary_size_option_is_respected()
    {
        var small = CompactTokenizerTrainer.Train(Corpus, new CompactTokenizerOptions(VocabularySize: 300));
        Assert.Equal(300, small.VocabularySize);
        Assert.Throws<ArgumentOutOfRangeException>(() => CompactTokenizerTrainer.Train(Corpus, new CompactTokenizerOptions(VocabularySize: 100)));
    }

    [Fact]
    public void Any_unicode_round_trips_without_normalisation()
    {
        var tokenizer = CompactTokenizerTrainer.Train(Corpus);
        var random = new Random(77);
        for (var n = 0; n < 300; n++)
        {
            var text = RandomText.Unicode(random, random.Next(0, 50));
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        }

        Assert.Equal("e\u0301", tokenizer.Decode(tokenizer.Encode("e\u0301"))); // not NFC-composed
    }

    [Fact]
    public void Training_is_deterministic()
    {
        var a = CompactTokenizerTrainer.Train(Corpus);
        var b = CompactTokenizerTrainer.Train(Corpus.Reverse());
        Assert.Equal(a.Merges, b.Merges);
    }

    [Fact]
    public void Save_and_load_give_identical_ids_through_the_common_loader()
    {
        var tokenizer = CompactTokenizerTrainer.Train(Corpus);
        var dir = Path.Combine(_temp.Path, "model");
        tokenizer.Save(dir);
        Assert.True(File.Exists(Path.Combine(dir, "vocab.json")));
        Assert.True(File.Exists(Path.Combine(dir, "merges.txt")));
        var reloaded = TokenizerLoader.FromFolder(dir);
        File.Delete(Path.Combine(dir, "tokenizer.json"));
        var fromVocab = TokenizerLoader.FromFolder(dir);

        var random = new Random(3);
        var samples = Corpus.Take(20).Concat(Enumerable.Range(0, 100).Select(_ => RandomText.Unicode(random, 25)));
        foreach (var text in samples)
        {
            var ids = tokenizer.Encode(text);
            Assert.Equal(ids, reloaded.Encode(text));
            Assert.Equal(ids, fromVocab.Encode(text));
            Assert.Equal(text, fromVocab.Decode(ids));
        }

        Assert.Equal(tokenizer.Special, reloaded.Special);
        Assert.False(reloaded.NormalizesNfc);
        Assert.False(fromVocab.NormalizesNfc);
    }

    [Fact]
    public void Pipeline_text_encodes_compactly()
    {
        var tokenizer = CompactTokenizerTrainer.Train(Corpus);
        Assert.Single(tokenizer.Encode(" triangle"));
        Assert.Single(tokenizer.Encode("Wait"));
        Assert.Single(tokenizer.Encode(" count"));
        Assert.True(tokenizer.Encode("<think>").Count <= 2);
        Assert.True(tokenizer.Encode("</answer>").Count <= 3);
        var sample = "<think>\nI count the circles: there are 7. Wait, let me check again. The total is 7 + 5 = 12.\n</think>\n<answer>12</answer>";
        var ids = tokenizer.Encode(sample);
        Assert.True(sample.Length / (double)ids.Count > 2.5, $"{ids.Count} tokens for {sample.Length} chars");
        Assert.Equal(["1", "2"], tokenizer.Encode("12").Select(id => tokenizer.Decode([id])));
    }

    [Fact]
    public void Special_tokens_in_the_corpus_are_not_learned_and_are_matched_whole()
    {
        var tokenizer = CompactTokenizerTrainer.Train(Corpus.Select(c => "<|im_start|>user\n" + c + "<|im_end|>"));
        Assert.DoesNotContain(tokenizer.Vocabulary.Keys, k => k.Contains("im_start", StringComparison.Ordinal));
        Assert.Equal([1], tokenizer.Encode("<|im_start|>"));
        Assert.DoesNotContain(tokenizer.Encode("<|im_start|>", allowSpecial: false), id => id < 7);
    }

    [Fact]
    public void Default_seed_tokenizer_is_usable()
    {
        var tokenizer = CompactTokenizerTrainer.TrainDefault();
        Assert.True(tokenizer.VocabularySize is > 263 and <= 1024);
        Assert.True(tokenizer.Encode("<think>").Count <= 2);
    }
}
