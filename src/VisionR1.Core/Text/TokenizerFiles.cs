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

        AtomicFile.Write(Path.Combine(directory, "vocab.json"), stream =>
        {
            using var json = new Utf8JsonWriter(stream, WriterOptions);
            json.WriteStartObject();
            foreach (var (token, id) in vocabulary)
            {
                json.WriteNumber(token, id);
            }

            json.WriteEndObject();
        });

        AtomicFile.Write(Path.Combine(directory, "merges.txt"), stream =>
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
        });

        AtomicFile.Write(Path.Combine(directory, "tokenizer_config.json"), stream =>
        {
            using var json = new Utf8JsonWriter(stream, WriterOptions);
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
        });

        AtomicFile.Write(Path.Combine(directory, "tokenizer.json"), stream =>
        {
            using var json = new Utf8JsonWriter(stream, WriterOptions);
            json.WriteStartObject();
            json.WriteString("version", "1.0");
            json.WriteNull("truncation");
            json.WriteNull("padding");
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

            json.WriteStartObject("pre_tokenizer");
            json.WriteString("type", "Sequence");
            json.WriteStartArray("pretokenizers");
            json.WriteStartObject();
            json.WriteString("type", "Split");
            json.WriteStartObject("pattern");
            json.WriteString("Regex", tokenizer.Pattern);
            json.WriteEndObject();
            json.WriteString("behavior", "Isolated");
            json.WriteBoolean("invert", false);
            json.WriteEndObject();
            WriteByteLevelStep(json, null);
            json.WriteEndArray();
            json.WriteEndObject();
            WriteByteLevelStep(json, "post_processor");
            WriteByteLevelStep(json, "decoder");

            json.WriteStartObject("model");
            json.WriteString("type", "BPE");
            json.WriteNull("dropout");
            json.WriteNull("unk_token");
            json.WriteString("continuing_subword_prefix", "");
            json.WriteString("end_of_word_suffix", "");
            json.WriteBoolean("fuse_unk", false);
            json.WriteBoolean("byte_fallback", false);
            json.WriteStartObject("vocab");
            foreach (var (token, id) in vocabulary)
            {
                json.WriteNumber(token, id);
            }

            json.WriteEndObject();
            json.WriteStartArray("merges");
            foreach (var (left, right) in tokenizer.Merges)
            {
                json.WriteStringValue(left + " " + right);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        });
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
