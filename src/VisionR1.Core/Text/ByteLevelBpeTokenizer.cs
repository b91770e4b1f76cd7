using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace VisionR1.Text;

/// <summary>
/// A Qwen2-style byte-level BPE tokenizer: NFC normalisation (optional), added tokens matched
/// whole, the Qwen pre-tokenizer regex (every digit its own piece), then byte-level BPE through
/// Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>. It reads and writes Hugging Face
/// <c>vocab.json</c>/<c>merges.txt</c>/<c>tokenizer_config.json</c>/<c>tokenizer.json</c>;
/// the released Qwen2.5-VL and Qwen3-VL tokenizers and the compact tokenizer of the embedded default
/// model are instances of this class. Load one with <see cref="TokenizerLoader.FromFolder"/>.
/// Instances are immutable and safe to share between threads.
/// </summary>
public sealed class ByteLevelBpeTokenizer : ITextTokenizer
{
    /// <summary>
    /// The Qwen2 pre-tokenizer pattern (from the released <c>tokenizer.json</c>): contractions,
    /// letters with one optional leading non-letter, single digits, punctuation runs, newlines, spaces.
    /// </summary>
    public const string QwenPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private readonly BpeTokenizer _bpe;
    private readonly string[] _idToToken;
    private readonly AddedToken?[] _addedById;
    private readonly Dictionary<string, AddedToken> _addedByContent;
    private readonly Regex? _addedSplitter;
    private readonly Dictionary<string, int> _vocabulary;
    private readonly List<(string Left, string Right)> _merges;
    private readonly List<AddedToken> _addedTokens;

    /// <summary>
    /// Builds a tokenizer from its parts.
    /// </summary>
    /// <param name="vocabulary">Byte-level token string → id (Hugging Face <c>vocab.json</c>); must contain all 256 byte characters.</param>
    /// <param name="merges">Merge rules in rank order (<c>merges.txt</c>), each a pair of vocabulary tokens.</param>
    /// <param name="addedTokens">Tokens matched whole before BPE; must include the seven chat/vision tokens of <see cref="SpecialTokenNames"/>.</param>
    /// <param name="normalizeNfc">Whether text is NFC-normalised before encoding (Qwen2 does this; the compact tokenizer does not, so every string round-trips).</param>
    /// <param name="pattern">The pre-tokenizer regex; defaults to <see cref="QwenPattern"/>.</param>
    /// <exception cref="TokenizerFormatException">The parts are inconsistent (missing byte characters or special tokens, duplicate ids, merges of unknown tokens).</exception>
    public ByteLevelBpeTokenizer(
        IReadOnlyDictionary<string, int> vocabulary,
        IReadOnlyList<(string Left, string Right)> merges,
        IReadOnlyList<AddedToken> addedTokens,
        bool normalizeNfc = true,
        string? pattern = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(merges);
        ArgumentNullException.ThrowIfNull(addedTokens);
        NormalizesNfc = normalizeNfc;
        Pattern = pattern ?? QwenPattern;
        _vocabulary = new Dictionary<string, int>(vocabulary, StringComparer.Ordinal);
        _merges = [.. merges];
        _addedTokens = [.. addedTokens.OrderBy(t => t.Id)];

        for (var b = 0; b < 256; b++)
        {
            var c = ByteLevelAlphabet.ToChar((byte)b);
            if (!_vocabulary.ContainsKey(c.ToString()))
            {
                throw new TokenizerFormatException($"The vocabulary lacks the byte-level token for byte 0x{b:X2} ('{c}'); byte-level BPE needs all 256.");
            }
        }

        var maxId = -1;
        foreach (var (token, id) in _vocabulary)
        {
            if (id < 0)
            {
                throw new TokenizerFormatException($"Vocabulary token '{token}' has a negative id {id}.");
            }

            maxId = Math.Max(maxId, id);
        }

        foreach (var added in _addedTokens)
        {
            if (added.Id < 0 || string.IsNullOrEmpty(added.Content))
            {
                throw new TokenizerFormatException($"Added token '{added.Content}' with id {added.Id} is invalid.");
            }

            maxId = Math.Max(maxId, added.Id);
        }

        VocabularySize = maxId + 1;
        _idToToken = new string[VocabularySize];
        _addedById = new AddedToken?[VocabularySize];
        foreach (var (token, id) in _vocabulary)
        {
            if (_idToToken[id] is not null)
            {
                throw new TokenizerFormatException($"Vocabulary id {id} is used by both '{_idToToken[id]}' and '{token}'.");
            }

            _idToToken[id] = token;
        }

        _addedByContent = new Dictionary<string, AddedToken>(StringComparer.Ordinal);
        foreach (var added in _addedTokens)
        {
            if (_addedById[added.Id] is not null || (_idToToken[added.Id] is { } clash && clash != added.Content))
            {
                throw new TokenizerFormatException($"Added token '{added.Content}' reuses id {added.Id}.");
            }

            _addedById[added.Id] = added;
            _addedByContent[added.Content] = added;
        }

        int Require(string name) => _addedByContent.TryGetValue(name, out var t)
            ? t.Id
            : throw new TokenizerFormatException($"The tokenizer has no added token '{name}', which the Qwen2.5-VL chat format needs.");

        Special = new SpecialTokenIds(
            Require(SpecialTokenNames.EndOfText), Require(SpecialTokenNames.ImStart), Require(SpecialTokenNames.ImEnd),
            Require(SpecialTokenNames.VisionStart), Require(SpecialTokenNames.VisionEnd),
            Require(SpecialTokenNames.ImagePad), Require(SpecialTokenNames.VideoPad));

        if (_addedTokens.Count > 0)
        {
            var alternatives = _addedTokens.Select(t => t.Content).Distinct(StringComparer.Ordinal)
                .OrderByDescending(s => s.Length).ThenBy(s => s, StringComparer.Ordinal).Select(Regex.Escape);
            _addedSplitter = new Regex(string.Join("|", alternatives), RegexOptions.Compiled | RegexOptions.CultureInvariant);
        }

        foreach (var (left, right) in _merges)
        {
            if (!_vocabulary.ContainsKey(left) || !_vocabulary.ContainsKey(right) || !_vocabulary.ContainsKey(left + right))
            {
                throw new TokenizerFormatException($"Merge '{left} {right}' uses a token that is not in the vocabulary.");
            }
        }

        try
        {
            var options = new BpeOptions(_vocabulary)
            {
                Merges = _merges.Select(m => m.Left + " " + m.Right),
                ByteLevel = true,
                PreTokenizer = new RegexPreTokenizer(new Regex(Pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant), null),
            };
            _bpe = BpeTokenizer.Create(options);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new TokenizerFormatException($"Microsoft.ML.Tokenizers rejected the BPE model: {ex.Message}", ex);
        }
    }

    /// <inheritdoc />
    public int VocabularySize { get; }

    /// <inheritdoc />
    public SpecialTokenIds Special { get; }

    /// <summary>Whether input text is NFC-normalised before encoding.</summary>
    public bool NormalizesNfc { get; }

    /// <summary>The pre-tokenizer regex in use.</summary>
    public string Pattern { get; }

    /// <summary>The ordinary (BPE) vocabulary, token → id.</summary>
    public IReadOnlyDictionary<string, int> Vocabulary => _vocabulary;

    /// <summary>The merge rules in rank order.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges => _merges;

    /// <summary>The added tokens (special or not), ordered by id.</summary>
    public IReadOnlyList<AddedToken> AddedTokens => _addedTokens;

    /// <inheritdoc />
    public IReadOnlyList<int> Encode(string text, bool allowSpecial = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        if (_addedSplitter is null)
        {
            EncodePlain(text.AsSpan(), ids);
            return ids;
        }

        var plainStart = 0;
        foreach (Match match in _addedSplitter.Matches(text))
        {
            var added = _addedByContent[match.Value];
            if (added.Special && !allowSpecial)
            {
                continue; // stays part of the surrounding plain text
            }

            EncodePlain(text.AsSpan(plainStart, match.Index - plainStart), ids);
            ids.Add(added.Id);
            plainStart = match.Index + match.Length;
        }

        EncodePlain(text.AsSpan(plainStart), ids);
        return ids;
    }

    /// <summary>
    /// Decodes ids to text. Byte-level tokens are joined into bytes and read as UTF-8 (invalid
    /// sequences, e.g. a generation cut inside a character, become U+FFFD). Ids the tokenizer
    /// does not know (the model's embedding is often larger than the vocabulary) decode to nothing,
    /// as in Hugging Face tokenizers.
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder();
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)VocabularySize)
            {
                continue;
            }

            if (_addedById[id] is { } added)
            {
                FlushBytes(bytes, text);
                if (!(skipSpecial && added.Special))
                {
                    text.Append(added.Content);
                }

                continue;
            }

            if (_idToToken[id] is not { } token)
            {
                continue;
            }

            foreach (var c in token)
            {
                if (ByteLevelAlphabet.TryToByte(c, out var b))
                {
                    bytes.Add(b);
                }
                else
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                }
            }
        }

        FlushBytes(bytes, text);
        return text.ToString();
    }

    /// <summary>The token string of <paramref name="id"/> (byte-level form for ordinary tokens), or null when unknown.</summary>
    public string? IdToToken(int id) =>
        (uint)id >= (uint)VocabularySize ? null : _addedById[id]?.Content ?? _idToToken[id];

    /// <inheritdoc />
    public void Save(string directory) => TokenizerFiles.Write(this, directory);

    private void EncodePlain(ReadOnlySpan<char> segment, List<int> ids)
    {
        if (segment.IsEmpty)
        {
            return;
        }

        var text = segment.ToString();
        if (NormalizesNfc)
        {
            try
            {
                if (!text.IsNormalized(NormalizationForm.FormC))
                {
                    text = text.Normalize(NormalizationForm.FormC);
                }
            }
            catch (ArgumentException)
            {
                // Ill-formed UTF-16 (a lone surrogate) cannot be normalised; encode it as is.
            }
        }

        ids.AddRange(_bpe.EncodeToIds(text));
    }

    private static void FlushBytes(List<byte> bytes, StringBuilder text)
    {
        if (bytes.Count == 0)
        {
            return;
        }

        text.Append(Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes)));
        bytes.Clear();
    }
}
