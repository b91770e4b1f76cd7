using System.Globalization;
using System.Text.Json;
using VisionR1.Answers;

namespace VisionR1.Grpo.Rewards;

/// <summary>Reads the <see cref="AnswerContext"/> (<c>choices</c>, <c>precision</c>) from a data item's extra fields.</summary>
public static class RewardContext
{
    /// <summary>
    /// The answer context in <paramref name="extra"/>: <c>choices</c> as a string list/array or a JSON
    /// array, <c>precision</c> as an integer, a number or a numeric string. Missing or unreadable
    /// fields are left null.
    /// </summary>
    public static AnswerContext? FromExtra(IReadOnlyDictionary<string, object?>? extra)
    {
        if (extra is null) return null;
        IReadOnlyList<string>? choices = null;
        int? precision = null;
        if (extra.TryGetValue("choices", out var c)) choices = ReadChoices(c);
        if (extra.TryGetValue("precision", out var p)) precision = ReadInt(p);
        return choices is null && precision is null ? null : new AnswerContext(choices, precision);
    }

    private static IReadOnlyList<string>? ReadChoices(object? value) => value switch
    {
        null => null,
        string => null,
        IEnumerable<string> list => list.ToList(),
        JsonElement { ValueKind: JsonValueKind.Array } arr => arr.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : e.GetRawText()).ToList(),
        System.Collections.IEnumerable items => items.Cast<object?>().Select(o => Convert.ToString(o, CultureInfo.InvariantCulture) ?? "").ToList(),
        _ => null,
    };

    /// <summary>An integer from an int, long, double, numeric string or JSON number; null otherwise.</summary>
    public static int? ReadInt(object? value) => value switch
    {
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        double d when double.IsFinite(d) && System.Math.Abs(d) < 1e9 => (int)System.Math.Round(d),
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && System.Math.Abs(d) < 1e9 => (int)System.Math.Round(d),
        JsonElement { ValueKind: JsonValueKind.Number } e when e.TryGetDouble(out var d) && System.Math.Abs(d) < 1e9 => (int)System.Math.Round(d),
        JsonElement { ValueKind: JsonValueKind.String } e => ReadInt(e.GetString()),
        _ => null,
    };
}
