using System.Globalization;
using System.Text;

namespace VisionR1.Data.Filtering;

/// <summary>What a filtering run did, rule by rule.</summary>
/// <param name="Total">Samples read.</param>
/// <param name="Kept">Samples kept.</param>
/// <param name="Removed">Samples removed by each rule (the first rule each failed).</param>
/// <param name="Examples">Up to five (id, reason) examples per rule.</param>
/// <param name="WordsReplaced">Words replaced in kept samples.</param>
/// <param name="SamplesWithReplacements">Kept samples in which at least one word was replaced.</param>
/// <param name="ReflectiveWords">Reflective-word statistics of the kept samples.</param>
/// <param name="Unreadable">Input lines skipped as malformed.</param>
public sealed record FilterReport(
    int Total,
    int Kept,
    IReadOnlyDictionary<FilterRule, int> Removed,
    IReadOnlyDictionary<FilterRule, IReadOnlyList<KeyValuePair<string, string>>> Examples,
    long WordsReplaced,
    int SamplesWithReplacements,
    ReflectiveWordReport ReflectiveWords,
    int Unreadable = 0)
{
    /// <summary>A readable summary.</summary>
    public string ToText()
    {
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"read {Total}, kept {Kept} ({(Total == 0 ? 0 : 100.0 * Kept / Total):F1}%), unreadable lines {Unreadable}"));
        foreach (var rule in Enum.GetValues<FilterRule>())
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  removed by {rule,-12} {Removed.GetValueOrDefault(rule)}");
            if (Examples.TryGetValue(rule, out var ex))
                foreach (var (id, why) in ex) sb.AppendLine(CultureInfo.InvariantCulture, $"      e.g. {id}: {why}");
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"  words replaced {WordsReplaced} in {SamplesWithReplacements} kept samples");
        sb.AppendLine("reflective words in kept samples:");
        sb.AppendLine(ReflectiveWords.ToString());
        return sb.ToString();
    }
}
