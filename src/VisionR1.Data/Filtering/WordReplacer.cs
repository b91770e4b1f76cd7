using System.Text;
using System.Text.RegularExpressions;

namespace VisionR1.Data.Filtering;

/// <summary>
/// Whole-word, case-preserving replacement from a table (longest key first): "Description" → "Image",
/// "DESCRIPTION" → "IMAGE", "description" → "image"; "descriptive" is left alone.
/// </summary>
public sealed class WordReplacer
{
    private readonly Regex? _pattern;
    private readonly Dictionary<string, string> _table;

    /// <summary>Builds the replacer for <paramref name="table"/> (keys matched case-insensitively).</summary>
    public WordReplacer(IReadOnlyDictionary<string, string> table)
    {
        ArgumentNullException.ThrowIfNull(table);
        _table = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in table)
        {
            if (string.IsNullOrWhiteSpace(k)) throw new ArgumentException("replacement keys must be non-empty words", nameof(table));
            _table[k] = v;
        }
        if (_table.Count > 0)
        {
            var alternatives = _table.Keys.OrderByDescending(k => k.Length).Select(k => Regex.Escape(k).Replace("\\ ", "\\s+", StringComparison.Ordinal));
            _pattern = new Regex(@"(?<![\p{L}\p{N}_])(?:" + string.Join("|", alternatives) + @")(?![\p{L}\p{N}_])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        }
    }

    /// <summary>Replaces every table word in <paramref name="text"/>; <paramref name="count"/> is how many were replaced.</summary>
    public string Replace(string text, out int count)
    {
        ArgumentNullException.ThrowIfNull(text);
        int n = 0;
        if (_pattern is null)
        {
            count = 0;
            return text;
        }
        var result = _pattern.Replace(text, m =>
        {
            var key = Regex.Replace(m.Value, @"\s+", " ");
            n++;
            return MatchCase(m.Value, _table[key]);
        });
        count = n;
        return result;
    }

    private static string MatchCase(string source, string replacement)
    {
        var letters = source.Where(char.IsLetter).ToList();
        if (letters.Count > 1 && letters.All(char.IsUpper)) return replacement.ToUpperInvariant();
        if (letters.Count > 0 && char.IsUpper(letters[0]) && replacement.Length > 0)
        {
            var sb = new StringBuilder(replacement);
            sb[0] = char.ToUpperInvariant(sb[0]);
            return sb.ToString();
        }
        return replacement;
    }
}
