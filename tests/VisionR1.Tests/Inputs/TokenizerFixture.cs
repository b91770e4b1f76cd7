using System.Text.Json;
using VisionR1.Text;

namespace VisionR1.Tests.Inputs;

/// <summary>
/// A small Qwen2-shaped tokenizer written by the test: the 256 byte tokens in GPT-2 order,
/// a few merges, and the Qwen2.5-VL added tokens at their real ids.
/// </summary>
internal static class TokenizerFixture
{
    public static readonly (string Left, string Right)[] Merges =
    [
        ("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "a"), ("r", "e"), ("o", "n"),
        ("Ġ", "c"), ("o", "u"), ("ou", "n"), ("Ġc", "oun"), ("Ġcoun", "t"), ("1", "2"), ("Ċ", "Ċ"), ("Ġ", "Ġ"),
        ("W", "a"), ("Wa", "it"), ("i", "t"),
    ];

    public static readonly (string Content, int Id, bool Special)[] Added =
    [
        ("<|endoftext|>", 151643, true), ("<|im_start|>", 151644, true), ("<|im_end|>", 151645, true),
        ("<|vision_start|>", 151652, true), ("<|vision_end|>", 151653, true), ("<|vision_pad|>", 151654, true),
        ("<|image_pad|>", 151655, true), ("<|video_pad|>", 151656, true), ("<tool_call>", 151657, false),
    ];

    /// <summary>Byte tokens in GPT-2's bytes_to_unicode order (printable bytes first), ids 0..255, then merges.</summary>
    public static Dictionary<string, int> Vocabulary()
    {
        var order = new List<int>();
        for (var b = '!'; b <= '~'; b++) order.Add(b);
        for (var b = 0xA1; b <= 0xAC; b++) order.Add(b);
        for (var b = 0xAE; b <= 0xFF; b++) order.Add(b);
        for (var b = 0; b < 256; b++) if (!order.Contains(b)) order.Add(b);
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var b in order) vocab[ByteLevelAlphabet.ToChar((byte)b).ToString()] = vocab.Count;
        foreach (var (l, r) in Merges) vocab.TryAdd(l + r, vocab.Count);
        return vocab;
    }

    /// <summary>Writes vocab.json, merges.txt and tokenizer_config.json into a new folder.</summary>
    public static string WriteVocabAndMerges(string root)
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, "vocab-merges")).FullName;
        File.WriteAllText(Path.Combine(dir, "vocab.json"), JsonSerializer.Serialize(Vocabulary()));
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\n" + string.Join("\n", Merges.Select(m => m.Left + " " + m.Right)) + "\n");
        var decoder = Added.ToDictionary(a => a.Id.ToString(), a => new { content = a.Content, lstrip = false, normalized = false, rstrip = false, single_word = false, special = a.Special });
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), JsonSerializer.Serialize(new { added_tokens_decoder = decoder, eos_token = "<|im_end|>", pad_token = "<|endoftext|>" }));
        return dir;
    }

    /// <summary>Writes the same tokenizer as one Hugging Face tokenizer.json (merges in the newer [a, b] form).</summary>
    public static string WriteTokenizerJson(string root)
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, "tokenizer-json")).FullName;
        var doc = new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["added_tokens"] = Added.Select(a => new { id = a.Id, content = a.Content, single_word = false, lstrip = false, rstrip = false, normalized = false, special = a.Special }).ToArray(),
            ["normalizer"] = new { type = "NFC" },
            ["pre_tokenizer"] = new
            {
                type = "Sequence",
                pretokenizers = new object[]
                {
                    new { type = "Split", pattern = new { Regex = ByteLevelBpeTokenizer.QwenPattern }, behavior = "Isolated", invert = false },
                    new { type = "ByteLevel", add_prefix_space = false, trim_offsets = false, use_regex = false },
                },
            },
            ["decoder"] = new { type = "ByteLevel", add_prefix_space = false, trim_offsets = false, use_regex = false },
            ["model"] = new Dictionary<string, object?>
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["vocab"] = Vocabulary(),
                ["merges"] = Merges.Select(m => new[] { m.Left, m.Right }).ToArray(),
            },
        };
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), JsonSerializer.Serialize(doc));
        return dir;
    }

    public static int Id(string token) => Vocabulary()[token];
}

/// <summary>A temporary folder deleted at dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Path = Directory.CreateTempSubdirectory("vr1-inputs-").FullName;

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, true);
        }
        catch (IOException)
        {
        }
    }
}
