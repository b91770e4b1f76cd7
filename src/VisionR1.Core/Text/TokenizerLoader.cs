using System.Globalization;
using System.Text.Json;

namespace VisionR1.Text;

/// <summary>
/// Loads the tokenizer of a model folder. Reads <c>tokenizer.json</c> when present (the
/// Hugging Face "fast" format: model vocab and merges, added tokens, normaliser and split
/// pattern); otherwise <c>vocab.json</c> + <c>merges.txt</c> with added tokens from
/// <c>tokenizer_config.json</c> (<c>added_tokens_decoder</c>) or <c>added_tokens.json</c>.
/// The released Qwen2.5-VL and Qwen3-VL folders and the folders the compact tokenizer saves all load here.
/// </summary>
public static class TokenizerLoader
{
    /// <summary>Loads the tokenizer stored in <paramref name="directory"/>.</summary>
    /// <exception cref="TokenizerFormatException">No usable tokenizer files, or a file is malformed; the message names the file.</exception>
    public static ByteLevelBpeTokenizer FromFolder(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory))
        {
            throw new TokenizerFormatException($"Tokenizer folder '{directory}' does not exist.");
        }

        var tokenizerJson = Path.Combine(directory, "tokenizer.json");
        if (File.Exists(tokenizerJson))
        {
            return FromTokenizerJson(tokenizerJson);
        }

        var vocab = Path.Combine(directory, "vocab.json");
        var merges = Path.Combine(directory, "merges.txt");
        if (File.Exists(vocab) && File.Exists(merges))
        {
            return FromVocabAndMerges(vocab, merges, Path.Combine(directory, "tokenizer_config.json"), Path.Combine(directory, "added_tokens.json"));
        }

        throw new TokenizerFormatException(
            $"Folder '{directory}' has no tokenizer: expected tokenizer.json, or vocab.json together with merges.txt.");
    }

    /// <summary>Loads a Hugging Face <c>tokenizer.json</c> holding a byte-level BPE model.</summary>
    /// <exception cref="TokenizerFormatException">The file is malformed or not a byte-level BPE tokenizer.</exception>
    public static ByteLevelBpeTokenizer FromTokenizerJson(string path)
    {
        return Guard(path, () =>
        {
            using var stream = File.OpenRead(path);
            using var doc = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 256 });
            var root = doc.RootElement;
            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            {
                throw new TokenizerFormatException($"'{path}' has no \"model\" object.");
            }

            if (model.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() != "BPE")
            {
                throw new TokenizerFormatException($"'{path}' holds a {type.GetString()} model; only byte-level BPE is supported.");
            }

            var vocabulary = ReadVocabulary(model.GetProperty("vocab"), path);
            var merges = new List<(string, string)>();
            if (model.TryGetProperty("merges", out var mergeArray))
            {
                var index = 0;
                foreach (var merge in mergeArray.EnumerateArray())
                {
                    index++;
                    if (merge.ValueKind == JsonValueKind.String)
                    {
                        merges.Add(SplitMerge(merge.GetString()!, path, index));
                    }
                    else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2)
                    {
                        merges.Add((merge[0].GetString()!, merge[1].GetString()!));
                    }
                    else
                    {
                        throw new TokenizerFormatException($"'{path}': merge #{index} is neither \"a b\" nor [\"a\", \"b\"].");
                    }
                }
            }

            var added = new List<AddedToken>();
            if (root.TryGetProperty("added_tokens", out var addedArray) && addedArray.ValueKind == JsonValueKind.Array)
            {
                foreach (var token in addedArray.EnumerateArray())
                {
                    added.Add(new AddedToken(
                        token.GetProperty("content").GetString()!,
                        token.GetProperty("id").GetInt32(),
                        token.TryGetProperty("special", out var special) && special.ValueKind == JsonValueKind.True));
                }
            }

            var nfc = root.TryGetProperty("normalizer", out var normalizer) && UsesNfc(normalizer, path);
            string? pattern = null;
            if (root.TryGetProperty("pre_tokenizer", out var pre))
            {
                pattern = FindSplitPattern(pre);
            }

            return new ByteLevelBpeTokenizer(vocabulary, merges, added, nfc, pattern);
        });
    }

    /// <summary>
    /// Loads <c>vocab.json</c> + <c>merges.txt</c>; added tokens come from <paramref name="tokenizerConfigPath"/>
    /// (<c>added_tokens_decoder</c>) or, failing that, <paramref name="addedTokensPath"/> (<c>added_tokens.json</c>,
    /// all treated as special). Text is NFC-normalised (Qwen2Tokenizer's behaviour) unless the config says
    /// <c>"visionr1_normalize_nfc": false</c>.
    /// </summary>
    /// <exception cref="TokenizerFormatException">A file is malformed; the message names it.</exception>
    public static ByteLevelBpeTokenizer FromVocabAndMerges(string vocabPath, string mergesPath, string? tokenizerConfigPath = null, string? addedTokensPath = null)
    {
        var vocabulary = Guard(vocabPath, () =>
        {
            using var stream = File.OpenRead(vocabPath);
            using var doc = JsonDocument.Parse(stream);
            return ReadVocabulary(doc.RootElement, vocabPath);
        });

        var merges = Guard(mergesPath, () =>
        {
            var list = new List<(string, string)>();
            var lineNumber = 0;
            foreach (var line in File.ReadLines(mergesPath))
            {
                lineNumber++;
                if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)))
                {
                    continue;
                }

                list.Add(SplitMerge(line, mergesPath, lineNumber));
            }

            return list;
        });

        var added = new List<AddedToken>();
        var nfc = true;
        if (tokenizerConfigPath is not null && File.Exists(tokenizerConfigPath))
        {
            Guard(tokenizerConfigPath, () =>
            {
                using var stream = File.OpenRead(tokenizerConfigPath);
                using var doc = JsonDocument.Parse(stream);
                if (doc.RootElement.TryGetProperty("added_tokens_decoder", out var decoder))
                {
                    foreach (var entry in decoder.EnumerateObject())
                    {
                        if (!int.TryParse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                        {
                            throw new TokenizerFormatException($"'{tokenizerConfigPath}': added_tokens_decoder key '{entry.Name}' is not an id.");
                        }

                        added.Add(new AddedToken(
                            entry.Value.GetProperty("content").GetString()!,
                            id,
                            entry.Value.TryGetProperty("special", out var special) && special.ValueKind == JsonValueKind.True));
                    }
                }

                if (doc.RootElement.TryGetProperty("visionr1_normalize_nfc", out var flag) && flag.ValueKind == JsonValueKind.False)
                {
                    nfc = false;
                }

                return 0;
            });
        }

        if (added.Count == 0 && addedTokensPath is not null && File.Exists(addedTokensPath))
        {
            Guard(addedTokensPath, () =>
            {
                using var stream = File.OpenRead(addedTokensPath);
                using var doc = JsonDocument.Parse(stream);
                foreach (var entry in doc.RootElement.EnumerateObject())
                {
                    added.Add(new AddedToken(entry.Name, entry.Value.GetInt32(), Special: true));
                }

                return 0;
            });
        }

        return Guard(vocabPath, () => new ByteLevelBpeTokenizer(vocabulary, merges, added, nfc));
    }

    private static Dictionary<string, int> ReadVocabulary(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new TokenizerFormatException($"'{path}': the vocabulary is not a JSON object of token → id.");
        }

        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id))
            {
                throw new TokenizerFormatException($"'{path}': vocabulary entry '{entry.Name}' has no integer id.");
            }

            vocabulary[entry.Name] = id;
        }

        return vocabulary;
    }

    private static (string, string) SplitMerge(string line, string path, int lineNumber)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
        {
            throw new TokenizerFormatException($"'{path}' line {lineNumber}: a merge must be two tokens separated by one space, got '{line}'.");
        }

        return (line[..space], line[(space + 1)..]);
    }

    private static bool UsesNfc(JsonElement normalizer, string path)
    {
        switch (normalizer.ValueKind)
        {
            case JsonValueKind.Null:
                return false;
            case JsonValueKind.Object:
                var type = normalizer.TryGetProperty("type", out var t) ? t.GetString() : null;
                if (type == "NFC")
                {
                    return true;
                }

                if (type == "Sequence" && normalizer.TryGetProperty("normalizers", out var list))
                {
                    var nfc = false;
                    foreach (var inner in list.EnumerateArray())
                    {
                        nfc |= UsesNfc(inner, path);
                    }

                    return nfc;
                }

                throw new TokenizerFormatException($"'{path}': normaliser '{type}' is not supported (only NFC or none).");
            default:
                throw new TokenizerFormatException($"'{path}': the \"normalizer\" entry is neither an object nor null.");
        }
    }

    private static string? FindSplitPattern(JsonElement pre)
    {
        if (pre.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (pre.TryGetProperty("type", out var type) && type.GetString() == "Split"
            && pre.TryGetProperty("pattern", out var pattern) && pattern.TryGetProperty("Regex", out var regex))
        {
            return regex.GetString();
        }

        if (pre.TryGetProperty("pretokenizers", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var inner in list.EnumerateArray())
            {
                if (FindSplitPattern(inner) is { } found)
                {
                    return found;
                }
            }
        }

        return null;
    }

    private static T Guard<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (TokenizerFormatException ex) when (!ex.Message.Contains(path, StringComparison.Ordinal))
        {
            throw new TokenizerFormatException($"'{path}': {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is JsonException or IOException or KeyNotFoundException or InvalidOperationException or UnauthorizedAccessException)
        {
            throw new TokenizerFormatException($"Cannot read tokenizer file '{path}': {ex.Message}", ex);
        }
    }
}
