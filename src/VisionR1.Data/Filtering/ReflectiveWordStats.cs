using System.Text.RegularExpressions;

namespace VisionR1.Data.Filtering;

/// <summary>Counts of one reflective word over a data set.</summary>
/// <param name="Word">The word.</param>
/// <param name="Occurrences">Times it occurs in all samples.</param>
/// <param name="Samples">Samples in which it occurs at least once.</param>
public sealed record ReflectiveWordCount(string Word, long Occurrences, long Samples);

/// <summary>Reflective-word statistics of a data set (the paper's Table 4 evidence of CoT quality).</summary>
/// <param name="TotalSamples">Samples counted.</param>
/// <param name="Words">Per-word counts, in the order the words were given.</param>
public sealed record ReflectiveWordReport(long TotalSamples, IReadOnlyList<ReflectiveWordCount> Words)
{
    /// <summary>The words of the paper's Table 4.</summary>
    public static IReadOnlyList<string> PaperWords => VisionR1.Text.ReflectiveWords.Paper;

    /// <summary>One line per word: occurrences, samples, occurrences per sample.</summary>
    public override string ToString() => string.Join(Environment.NewLine, Words.Select(w =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{w.Word,-14} {w.Occurrences,10} times in {w.Samples,8} of {TotalSamples} samples ({(TotalSamples == 0 ? 0 : (double)w.Occurrences / TotalSamples):F2} per sample)")));
}

/// <summary>Counts reflective words as whole words, case-insensitively by default, over any texts.</summary>
public sealed class ReflectiveWordCounter
{
    private readonly List<(string Word, Regex Pattern)> _words;
    private readonly long[] _occurrences;
    private readonly long[] _samples;
    private long _total;

    /// <summary>Counts <paramref name="words"/> (default: the paper's Wait, Hmm, Mistake, Alternatively, Check).</summary>
    public ReflectiveWordCounter(IEnumerable<string>? words = null, bool caseSensitive = false)
    {
        _words = (words ?? ReflectiveWordReport.PaperWords)
            .Select(w => (w, new Regex(@"(?<![\p{L}\p{N}_])" + Regex.Escape(w) + @"(?![\p{L}\p{N}_])", caseSensitive ? RegexOptions.CultureInvariant : RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)))
            .ToList();
        _occurrences = new long[_words.Count];
        _samples = new long[_words.Count];
    }

    /// <summary>Adds one sample's text.</summary>
    public void Add(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _total++;
        for (int i = 0; i < _words.Count; i++)
        {
            int n = _words[i].Pattern.Count(text);
            _occurrences[i] += n;
            if (n > 0) _samples[i]++;
        }
    }

    /// <summary>The statistics so far.</summary>
    public ReflectiveWordReport Report() =>
        new(_total, _words.Select((w, i) => new ReflectiveWordCount(w.Word, _occurrences[i], _samples[i])).ToList());

    /// <summary>Statistics of <paramref name="texts"/> in one call.</summary>
    public static ReflectiveWordReport Count(IEnumerable<string> texts, IEnumerable<string>? words = null, bool caseSensitive = false)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var c = new ReflectiveWordCounter(words, caseSensitive);
        foreach (var t in texts) c.Add(t);
        return c.Report();
    }
}
