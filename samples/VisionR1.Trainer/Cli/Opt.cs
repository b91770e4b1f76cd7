using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace VisionR1.Trainer.Cli;

/// <summary>
/// Factories for the `vr1` options: each declares its name, type, default, help text and validation once; numbers are read
/// in the invariant culture and a bad one is refused with the option's name (<c>--epochs expects an integer, got 'x'.</c>).
/// </summary>
public static class Opt
{
    /// <summary>An integer option with a default.</summary>
    public static Option<int> Int(string name, int defaultValue, string help, string helpName = "N") =>
        new(name) { Description = help, HelpName = helpName, DefaultValueFactory = _ => defaultValue, CustomParser = r => ParseInt(r) ?? 0 };

    /// <summary>An integer option with no default (null when not given).</summary>
    public static Option<int?> OptionalInt(string name, string help, string helpName = "N") =>
        new(name) { Description = help, HelpName = helpName, CustomParser = ParseInt };

    /// <summary>A 64-bit integer option with a default.</summary>
    public static Option<long> Long(string name, long defaultValue, string help, string helpName = "N") =>
        new(name)
        {
            Description = help, HelpName = helpName, DefaultValueFactory = _ => defaultValue,
            CustomParser = r => long.TryParse(Token(r), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : Fail<long>(r, "an integer"),
        };

    /// <summary>A 64-bit integer option with no default (null when not given).</summary>
    public static Option<long?> OptionalLong(string name, string help, string helpName = "N") =>
        new(name)
        {
            Description = help, HelpName = helpName,
            CustomParser = r => long.TryParse(Token(r), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : Fail<long?>(r, "an integer"),
        };

    /// <summary>A floating-point option with a default.</summary>
    public static Option<double> Number(string name, double defaultValue, string help, string helpName = "X") =>
        new(name) { Description = help, HelpName = helpName, DefaultValueFactory = _ => defaultValue, CustomParser = r => ParseDouble(r) ?? 0 };

    /// <summary>A floating-point option with no default (null when not given).</summary>
    public static Option<double?> OptionalNumber(string name, string help, string helpName = "X") =>
        new(name) { Description = help, HelpName = helpName, CustomParser = ParseDouble };

    /// <summary>A text option with no default (null when not given).</summary>
    public static Option<string?> Text(string name, string help, string helpName) => new(name) { Description = help, HelpName = helpName };

    /// <summary>A text option with a default.</summary>
    public static Option<string> Text(string name, string defaultValue, string help, string helpName) =>
        new(name) { Description = help, HelpName = helpName, DefaultValueFactory = _ => defaultValue };

    /// <summary>A text option that must be given.</summary>
    public static Option<string> Required(string name, string help, string helpName) =>
        new(name) { Description = help, HelpName = helpName, Required = true };

    /// <summary>
    /// A text option that takes one of <paramref name="values"/> (read trimmed and in lower case) (the first is the default unless <paramref name="defaultValue"/>
    /// says otherwise); another value is refused as <c>--name must be a, b or c, got 'x'.</c>
    /// </summary>
    public static Option<string> Choice(string name, string help, string[] values, string? defaultValue = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        var option = new Option<string>(name) { Description = help, HelpName = string.Join('|', values), DefaultValueFactory = _ => defaultValue ?? values[0],
            CustomParser = r => Token(r).Trim().ToLowerInvariant(),
        };
        option.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>();
            if (!values.Contains(value, StringComparer.Ordinal)) r.AddError($"{name} must be {OneOf(values)}, got '{value}'.");
        });
        return option;
    }

    /// <summary>
    /// <see cref="Choice"/> without a default: null when not given (for settings whose default comes from elsewhere, e.g. an
    /// algorithm's), otherwise one of <paramref name="values"/>, read trimmed and in lower case.
    /// </summary>
    public static Option<string?> OptionalChoice(string name, string help, string[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var option = new Option<string?>(name) { Description = help, HelpName = string.Join('|', values), CustomParser = r => Token(r).Trim().ToLowerInvariant() };
        option.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string?>();
            if (value is not null && !values.Contains(value, StringComparer.Ordinal)) r.AddError($"{name} must be {OneOf(values)}, got '{value}'.");
        });
        return option;
    }

    /// <summary>A switch (true when given).</summary>
    public static Option<bool> Switch(string name, string help) => new(name) { Description = help };

    /// <summary>A repeatable option (every value given, in order).</summary>
    public static Option<string[]> Many(string name, string help, string helpName) =>
        new(name) { Description = help, HelpName = helpName, DefaultValueFactory = _ => [] };

    /// <summary>"a, b or c".</summary>
    public static string OneOf(IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return values.Count == 1 ? values[0] : string.Join(", ", values.Take(values.Count - 1)) + " or " + values[^1];
    }

    private static string Token(ArgumentResult r) => r.Tokens.Count == 0 ? "" : r.Tokens[^1].Value;

    private static int? ParseInt(ArgumentResult r) =>
        int.TryParse(Token(r), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : Fail<int?>(r, "an integer");

    private static double? ParseDouble(ArgumentResult r) =>
        double.TryParse(Token(r), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : Fail<double?>(r, "a number");

    private static T Fail<T>(ArgumentResult r, string what)
    {
        var name = (r.Parent as OptionResult)?.Option.Name ?? r.Argument.Name;
        r.AddError($"{name} expects {what}, got '{Token(r)}'.");
        return default!;
    }
}
