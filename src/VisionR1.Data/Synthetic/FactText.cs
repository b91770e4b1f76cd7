using System.Globalization;
using System.Text.RegularExpressions;

namespace VisionR1.Data.Synthetic;

/// <summary>
/// The fixed phrasings of scene facts, and their inverse: the synthetic teacher writes facts
/// into descriptions with <see cref="Sentence"/> and reads them back from any text with
/// <see cref="TryParse"/>, so its reasoning depends on the description it was given.
/// </summary>
public static class FactText
{
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    /// <summary>A full sentence: "There are 3 red circles.", "There is 1 square.", "Bar A has a value of 5.", "The width is 4."</summary>
    public static string Sentence(SceneFact fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        return fact.Kind switch
        {
            FactKind.Count => fact.Value == 1 ? $"There is 1 {Singular(fact.Subject)}." : $"There are {N(fact.Value)} {fact.Subject}.",
            FactKind.BarValue => $"{Capitalise(fact.Subject)} has a value of {N(fact.Value)}.",
            FactKind.Length => $"The {fact.Subject} is {N(fact.Value)}.",
            _ => throw new ArgumentOutOfRangeException(nameof(fact), fact.Kind, "Unknown fact kind."),
        };
    }

    /// <summary>A compact phrase for reasoning: "3 red circles", "1 square", "bar A is 5", "the width is 4".</summary>
    public static string Compact(SceneFact fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        return fact.Kind switch
        {
            FactKind.Count => $"{N(fact.Value)} {(fact.Value == 1 ? Singular(fact.Subject) : fact.Subject)}",
            FactKind.BarValue => $"{fact.Subject} is {N(fact.Value)}",
            FactKind.Length => $"the {fact.Subject} is {N(fact.Value)}",
            _ => throw new ArgumentOutOfRangeException(nameof(fact), fact.Kind, "Unknown fact kind."),
        };
    }

    /// <summary>
    /// Finds the first statement of the fact about <paramref name="subject"/> in <paramref name="text"/>,
    /// in either the <see cref="Sentence"/> or the <see cref="Compact"/> phrasing; null when the text does not state it.
    /// </summary>
    public static int? TryParse(string text, FactKind kind, string subject)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(subject);
        var s = Regex.Escape(kind == FactKind.Count ? Singular(subject) : subject);
        var pattern = kind switch
        {
            // "3 red circles" / "1 red circle": the number directly before the noun phrase, so
            // "3 red circles" never counts as a statement about "circles".
            FactKind.Count => $@"\b(\d+) {s}s?\b",
            FactKind.BarValue => $@"(?i:\b{s})\s+(?:has a value of|is)\s+(\d+)\b",
            FactKind.Length => $@"\b(?i:the) {s} is (\d+)\b",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown fact kind."),
        };
        var m = Regex.Match(text, pattern, RegexOptions.CultureInvariant, RegexTimeout);
        return m.Success && int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    /// <summary>Joins phrases as English prose: "a", "a and b", "a, b and c".</summary>
    public static string JoinAnd(IReadOnlyList<string> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return parts.Count switch
        {
            0 => "",
            1 => parts[0],
            _ => string.Join(", ", parts.Take(parts.Count - 1)) + " and " + parts[^1],
        };
    }

    /// <summary>The singular of a plural count subject ("red circles" → "red circle").</summary>
    public static string Singular(string pluralSubject)
    {
        ArgumentNullException.ThrowIfNull(pluralSubject);
        return pluralSubject.EndsWith('s') ? pluralSubject[..^1] : pluralSubject;
    }

    internal static string N(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Capitalise(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
