using System.Text;
using System.Text.RegularExpressions;
using VisionR1.Answers;

namespace VisionR1.Text;

/// <summary>
/// Trains the compact byte-level BPE tokenizer of the embedded default model. Ids 0..6 are the
/// special tokens in the order of <see cref="SpecialTokenNames.All"/>, ids 7..262 the 256 byte
/// tokens (byte b → id 7 + b, so any Unicode text round-trips), then learned merges up to
/// <see cref="CompactTokenizerOptions.VocabularySize"/>. Words are split with the Qwen pattern
/// (digits stay single), so the result is the same kind of tokenizer as Qwen2's, saved and loaded
/// through the same files. Training is deterministic: ties between equally frequent pairs are
/// broken by the ordinal order of the pair's strings.
/// </summary>
public static class CompactTokenizerTrainer
{
    /// <summary>
    /// A small built-in corpus covering the text the embedded pipeline uses (chat roles, replies in the
    /// think/answer layout of <see cref="ThinkAnswerFormat.Default"/>, reasoning words, geometry and counting vocabulary),
    /// for a tokenizer needed before any data set exists. Prefer training on the real prompts and answers.
    /// The tags are ordinary text to the tokenizer, not special tokens, as in Qwen2.5-VL's tokenizer (which has none for them).
    /// </summary>
    public static IReadOnlyList<string> SeedCorpus { get; } =
    [
        "system\nYou are a helpful assistant.",
        "user\n", "assistant\n",
        ThinkAnswerFormat.Default.Compose("Let me look at the image carefully. I need to count the shapes.", "3"),
        ThinkAnswerFormat.Default.Compose("First, I count the circles: there are 4 circles. Wait, let me check again. Yes, 4.", "4"),
        ThinkAnswerFormat.Default.Compose("The triangle has sides 3, 4 and 5. Hmm, this is a right triangle, so the area is 3 * 4 / 2 = 6.", "6"),
        ThinkAnswerFormat.Default.Compose("The rectangle is 12 by 7, so the perimeter is 2 * (12 + 7) = 38. Wait, that seems right.", "38"),
        "How many triangles are in the image? Answer with a number.",
        "How many circles are there in the picture?",
        "What is the area of the square? What is the perimeter of the rectangle?",
        "What is the sum of the numbers shown? What is the difference between the largest and the smallest number?",
        "Count the red, blue, green and yellow objects. Which color appears most often?",
        "Choose the correct option: (A) 2 (B) 3 (C) 4 (D) 5. The answer is (B).",
        "Let me think step by step. So the total is 10 + 15 = 25. Therefore the answer is 25.",
        "Hmm, wait. Let me reconsider the angle. The angles of a triangle add up to 180 degrees.",
        "The radius of the circle is 5, so the diameter is 10 and the circumference is 10 * pi.",
        "the number of shapes, the length of the side, the width and the height, the value of x",
        "First, second, third. Then, next, finally. Because, since, therefore, so, but, and, or, not.",
        "0 1 2 3 4 5 6 7 8 9 + - * / = < > ( ) . , : ? %",
    ];

    /// <summary>Trains on <see cref="SeedCorpus"/> with default options.</summary>
    public static ByteLevelBpeTokenizer TrainDefault() => Train(SeedCorpus.Concat(SeedCorpus), new CompactTokenizerOptions());

    /// <summary>Learns BPE merges from <paramref name="corpus"/> and returns the tokenizer.</summary>
    /// <param name="corpus">Training text; occurrences of the seven special tokens are skipped.</param>
    /// <param name="options">Vocabulary size and merge threshold.</param>
    /// <param name="cancellationToken">Stops training between merges.</param>
    /// <exception cref="ArgumentOutOfRangeException">The vocabulary size is below 263.</exception>
    public static ByteLevelBpeTokenizer Train(IEnumerable<string> corpus, CompactTokenizerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        options ??= new CompactTokenizerOptions();
        if (options.VocabularySize < CompactTokenizerOptions.ReservedIds)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.VocabularySize,
                $"The compact tokenizer needs at least {CompactTokenizerOptions.ReservedIds} ids (7 special + 256 bytes).");
        }

        // Symbols are ints: 0..255 the bytes, then one per merge.
        var symbolText = new List<string>(options.VocabularySize);
        for (var b = 0; b < 256; b++)
        {
            symbolText.Add(ByteLevelAlphabet.ToChar((byte)b).ToString());
        }

        var words = CountWords(corpus, cancellationToken);
        var pairCounts = new Dictionary<long, long>();
        var pairWords = new Dictionary<long, HashSet<int>>();
        for (var w = 0; w < words.Count; w++)
        {
            AddPairs(words[w], w, +1, pairCounts, pairWords);
        }

        var symbolIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var s = 0; s < symbolText.Count; s++)
        {
            symbolIds[symbolText[s]] = s;
        }

        var merges = new List<(string, string)>();
        var maxSymbols = options.VocabularySize - SpecialTokenNames.All.Count;
        while (symbolText.Count < maxSymbols)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (best, bestCount) = MostFrequentPair(pairCounts, symbolText);
            if (best < 0 || bestCount < options.MinPairFrequency)
            {
                break;
            }

            var left = (int)(best >> 32);
            var right = (int)(best & 0xFFFFFFFF);
            var mergedText = symbolText[left] + symbolText[right];
            if (!symbolIds.TryGetValue(mergedText, out var merged))
            {
                merged = symbolText.Count;
                symbolText.Add(mergedText);
                symbolIds[mergedText] = merged;
            }

            merges.Add((symbolText[left], symbolText[right]));
            ApplyMerge(best, merged, words, pairCounts, pairWords);
        }

        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var s = 0; s < symbolText.Count; s++)
        {
            vocabulary[symbolText[s]] = SpecialTokenNames.All.Count + s;
        }

        var added = SpecialTokenNames.All.Select((name, id) => new AddedToken(name, id, Special: true)).ToList();
        return new ByteLevelBpeTokenizer(vocabulary, merges, added, normalizeNfc: false);
    }

    /// <summary>The most frequent pair (ties: the smaller by <see cref="ComparePairs"/>) and its count; (-1, 0) when none is left.</summary>
    private static (long Pair, long Count) MostFrequentPair(Dictionary<long, long> pairCounts, List<string> symbolText)
    {
        long best = -1;
        long bestCount = 0;
        foreach (var (pair, count) in pairCounts)
        {
            if (count > bestCount || (count == bestCount && count > 0 && ComparePairs(pair, best, symbolText) < 0))
            {
                best = pair;
                bestCount = count;
            }
        }

        return (best, bestCount);
    }

    /// <summary>Replaces <paramref name="pair"/> by the symbol <paramref name="merged"/> in every word holding it, updating the pair counts.</summary>
    private static void ApplyMerge(long pair, int merged, List<Word> words, Dictionary<long, long> pairCounts, Dictionary<long, HashSet<int>> pairWords)
    {
        var left = (int)(pair >> 32);
        var right = (int)(pair & 0xFFFFFFFF);
        foreach (var w in pairWords[pair].ToArray())
        {
            var word = words[w];
            AddPairs(word, w, -1, pairCounts, pairWords);
            word.Symbols = MergeSymbols(word.Symbols, left, right, merged);
            AddPairs(word, w, +1, pairCounts, pairWords);
        }

        pairCounts.Remove(pair);
        pairWords.Remove(pair);
    }

    private sealed class Word(int[] symbols, long count)
    {
        public int[] Symbols { get; set; } = symbols;

        public long Count { get; } = count;
    }

    private static List<Word> CountWords(IEnumerable<string> corpus, CancellationToken cancellationToken)
    {
        var specials = new Regex(string.Join("|", SpecialTokenNames.All.Select(Regex.Escape)), RegexOptions.CultureInvariant);
        var pieces = new Regex(ByteLevelBpeTokenizer.QwenPattern, RegexOptions.CultureInvariant);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var text in corpus)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (string.IsNullOrEmpty(text))
            {
                continue;
            }

            foreach (var part in specials.Split(text))
            {
                foreach (Match piece in pieces.Matches(part))
                {
                    counts[piece.Value] = counts.GetValueOrDefault(piece.Value) + 1;
                }
            }
        }

        return counts.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new Word([.. Encoding.UTF8.GetBytes(kv.Key).Select(b => (int)b)], kv.Value))
            .ToList();
    }

    private static void AddPairs(Word word, int index, int sign, Dictionary<long, long> pairCounts, Dictionary<long, HashSet<int>> pairWords)
    {
        var symbols = word.Symbols;
        for (var i = 0; i + 1 < symbols.Length; i++)
        {
            var pair = ((long)symbols[i] << 32) | (uint)symbols[i + 1];
            pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + sign * word.Count;
            if (sign > 0)
            {
                if (!pairWords.TryGetValue(pair, out var set))
                {
                    pairWords[pair] = set = [];
                }

                set.Add(index);
            }
        }
    }

    private static int[] MergeSymbols(int[] symbols, int left, int right, int merged)
    {
        var result = new List<int>(symbols.Length);
        for (var i = 0; i < symbols.Length; i++)
        {
            if (i + 1 < symbols.Length && symbols[i] == left && symbols[i + 1] == right)
            {
                result.Add(merged);
                i++;
            }
            else
            {
                result.Add(symbols[i]);
            }
        }

        return [.. result];
    }

    private static int ComparePairs(long a, long b, List<string> symbolText)
    {
        if (b < 0)
        {
            return -1;
        }

        var c = string.CompareOrdinal(symbolText[(int)(a >> 32)], symbolText[(int)(b >> 32)]);
        return c != 0 ? c : string.CompareOrdinal(symbolText[(int)(a & 0xFFFFFFFF)], symbolText[(int)(b & 0xFFFFFFFF)]);
    }
}
