using VisionR1.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace VisionR1.Text;

/// <summary>Writes a <see cref="ByteLevelBpeTokenizer"/> as Hugging Face tokenizer files (each written atomically).</summary>
internal static class TokenizerFiles
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes <c>vocab.json</c>, <c>merges.txt</c>, <c>tokenizer_config.json</c> and <c>tokenizer.json</c> into <paramref name="directory"/>.</summary>
    public static void Write(ByteLevelBpeTokenizer tokenizer, string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var vocabulary = tokenizer.Vocabulary.OrderBy(kv => kv.Value).ToList();
        AtomicFile.Write(Path.Combine(directory, "vocab.json"), stream => WriteJson(stream, json => WriteVocabulary(json, vocabulary)));
        AtomicFile.Write(Path.Combine(directory, "merges.txt"), stream => WriteMerges(stream, tokenizer));
        AtomicFile.Write(Path.Combine(directory, "tokenizer_config.json"), stream => WriteJson(stream, json => WriteConfig(json, tokenizer)));
        AtomicFile.Write(Path.Combine(directory, "tokenizer.json"), stream => WriteJson(stream, json => WriteTokenizerJson(json, tokenizer, vocabulary)));
    }

    private static void WriteJson(Stream stream, Action<Utf8JsonWriter> write)
    {
        using var json = new Utf8JsonWriter(stream, WriterOptions);
        write(json);
    }

    /// <summary>The vocabulary as one object of token → id, in id order (<c>vocab.json</c>, and the model's <c>vocab</c>).</summary>
    private static void WriteVocabulary(Utf8JsonWriter json, IReadOnlyList<KeyValuePair<string, int>> vocabulary, string? propertyName = null)
    {
        if (propertyName is null) json.WriteStartObject();
        else json.WriteStartObject(propertyName);
        foreach (var (token, id) in vocabulary)
        {
            json.WriteNumber(token, id);
        }

        json.WriteEndObject();
    }

    /// <summary><c>merges.txt</c>: the version line, then one merge per line.</summary>
    private static void WriteMerges(Stream stream, ByteLevelBpeTokenizer tokenizer)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false));
        writer.Write("#version: 0.2\n");
        foreach (var (left, right) in tokenizer.Merges)
        {
            writer.Write(left);
            writer.Write(' ');
            writer.Write(right);
            writer.Write('\n');
        }
    }

    /// <summary><c>tokenizer_config.json</c>: the added tokens by id and the Qwen2 tokenizer's settings.</summary>
    private static void WriteConfig(Utf8JsonWriter json, ByteLevelBpeTokenizer tokenizer)
    {
        json.WriteStartObject();
        json.WriteStartObject("added_tokens_decoder");
        foreach (var added in tokenizer.AddedTokens)
        {
            json.WriteStartObject(added.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("content", added.Content);
            json.WriteBoolean("lstrip", false);
            json.WriteBoolean("normalized", false);
            json.WriteBoolean("rstrip", false);
            json.WriteBoolean("single_word", false);
            json.WriteBoolean("special", added.Special);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteNull("bos_token");
        json.WriteString("eos_token", SpecialTokenNames.ImEnd);
        json.WriteString("pad_token", SpecialTokenNames.EndOfText);
        json.WriteString("errors", "replace");
        json.WriteBoolean("split_special_tokens", false);
        json.WriteString("tokenizer_class", "Qwen2Tokenizer");
        json.WriteBoolean("visionr1_normalize_nfc", tokenizer.NormalizesNfc);
        json.WriteEndObject();
    }

    /// <summary><c>tokenizer.json</c>: added tokens, normalizer, pre-tokenizer, byte-level post-processor and decoder, and the BPE model.</summary>
    private static void WriteTokenizerJson(Utf8JsonWriter json, ByteLevelBpeTokenizer tokenizer, IReadOnlyList<KeyValuePair<string, int>> vocabulary)
    {
        json.WriteStartObject();
        json.WriteString("version", "1.0");
        json.WriteNull("truncation");
        json.WriteNull("padding");
        WriteAddedTokens(json, tokenizer);
        if (tokenizer.NormalizesNfc)
        {
            json.WriteStartObject("normalizer");
            json.WriteString("type", "NFC");
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("normalizer");
        }

        WritePreTokenizer(json, tokenizer.Pattern);
        WriteByteLevelStep(json, "post_processor");
        WriteByteLevelStep(json, "decoder");
        WriteBpeModel(json, tokenizer, vocabulary);
        json.WriteEndObject();
    }

    private static void WriteAddedTokens(Utf8JsonWriter json, ByteLevelBpeTokenizer tokenizer)
    {
        json.WriteStartArray("added_tokens");
        foreach (var added in tokenizer.AddedTokens)
        {
            json.WriteStartObject();
            json.WriteNumber("id", added.Id);
            json.WriteString("content", added.Content);
            json.WriteBoolean("single_word", false);
            json.WriteBoolean("lstrip", false);
            json.WriteBoolean("rstrip", false);
            json.WriteBoolean("normalized", false);
            json.WriteBoolean("special", added.Special);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>The pre-tokenizer: the split regex (matches isolated), then the byte-level step.</summary>
    private static void WritePreTokenizer(Utf8JsonWriter json, string pattern)
    {
        json.WriteStartObject("pre_tokenizer");
        json.WriteString("type", "Sequence");
        json.WriteStartArray("pretokenizers");
        json.WriteStartObject();
        json.WriteString("type", "Split");
        json.WriteStartObject("pattern");
        json.WriteString("Regex", pattern);
        json.WriteEndObject();
        json.WriteString("behavior", "Isolated");
        json.WriteBoolean("invert", false);
        json.WriteEndObject();
        WriteByteLevelStep(json, null);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteBpeModel(Utf8JsonWriter json, ByteLevelBpeTokenizer tokenizer, IReadOnlyList<KeyValuePair<string, int>> vocabulary)
    {
        json.WriteStartObject("model");
        json.WriteString("type", "BPE");
        json.WriteNull("dropout");
        json.WriteNull("unk_token");
        json.WriteString("continuing_subword_prefix", "");
        json.WriteString("end_of_word_suffix", "");
        json.WriteBoolean("fuse_unk", false);
        json.WriteBoolean("byte_fallback", false);
        WriteVocabulary(json, vocabulary, "vocab");
        json.WriteStartArray("merges");
        foreach (var (left, right) in tokenizer.Merges)
        {
            json.WriteStringValue(left + " " + right);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteByteLevelStep(Utf8JsonWriter json, string? propertyName)
    {
        if (propertyName is null)
        {
            json.WriteStartObject();
        }
        else
        {
            json.WriteStartObject(propertyName);
        }

        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", false);
        json.WriteBoolean("trim_offsets", false);
        json.WriteBoolean("use_regex", false);
        json.WriteEndObject();
    }
}
