using System.Globalization;
using System.Reflection;
using VisionR1.Trainer.Pipeline;

namespace VisionR1.Trainer.Cli;

/// <summary>
/// Binds <c>Name=Value</c> overrides (from <c>vr1 pipeline --set</c>) to a <see cref="PipelineOptions"/>'s init properties:
/// <c>TrainItems=6000</c>, <c>GrpoLearningRate=3e-4</c>, <c>Difficulty.MaxShapes=4</c>. Names are the properties (case-insensitive,
/// dotted for nested records); each value is parsed as its property's type (invariant culture) and set on a copy of the record.
/// </summary>
public static class PipelineOverrides
{
    /// <summary>Names that cannot be set this way (they have their own command-line options).</summary>
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        nameof(PipelineOptions.OutputDirectory), nameof(PipelineOptions.Seed), nameof(PipelineOptions.Device), nameof(PipelineOptions.IsQuick),
        nameof(PipelineOptions.Variants), nameof(PipelineOptions.Ablation), nameof(PipelineOptions.Bf16), nameof(PipelineOptions.Until), nameof(PipelineOptions.BaseModelDirectory), nameof(PipelineOptions.Family),
    };

    /// <summary>Returns <paramref name="options"/> with every override applied (the same instance when there are none).</summary>
    /// <exception cref="ArgumentException">An override is malformed, names no settable option, or has a value of the wrong type; the message names it.</exception>
    public static PipelineOptions Apply(PipelineOptions options, IEnumerable<string> overrides)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(overrides);
        foreach (var item in overrides)
        {
            int eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == item.Length - 1) throw new ArgumentException($"Override '{item}' is not Name=Value.");
            var path = item[..eq].Trim().Split('.');
            if (Reserved.Contains(path[0])) throw new ArgumentException($"Override '{item}': {path[0]} has its own command-line option.");
            options = (PipelineOptions)With(options, path, 0, item, item[(eq + 1)..].Trim());
        }
        return options;
    }

    /// <summary>A copy of the record <paramref name="target"/> with the property at <paramref name="path"/>[<paramref name="depth"/>..] set.</summary>
    private static object With(object target, string[] path, int depth, string item, string text)
    {
        var settable = target.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }).ToList();
        var property = settable.FirstOrDefault(p => string.Equals(p.Name, path[depth], StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Override '{item}': no option '{string.Join('.', path[..(depth + 1)])}'. Options: {string.Join(", ", settable.Select(p => p.Name))}.");
        bool scalar = IsScalar(property.PropertyType);
        object? value;
        if (depth < path.Length - 1)
        {
            if (scalar || property.GetValue(target) is not { } inner) throw new ArgumentException($"Override '{item}': '{property.Name}' has no fields.");
            value = With(inner, path, depth + 1, item, text);
        }
        else
        {
            if (!scalar) throw new ArgumentException($"Override '{item}': '{property.Name}' is not a single value.");
            value = Parse(item, property, text);
        }
        // A record's compiler-made copy, as `with` makes it; the init setter then changes the copy only.
        var copy = target.GetType().GetMethod("<Clone>$")?.Invoke(target, null)
            ?? throw new ArgumentException($"Override '{item}': '{property.Name}' cannot be copied.");
        property.SetValue(copy, value);
        return copy;
    }

    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type == typeof(string) || type == typeof(decimal) || type.IsEnum;
    }

    private static object Parse(string item, PropertyInfo property, string text)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var culture = CultureInfo.InvariantCulture;
        if (type == typeof(string)) return text;
        if (type == typeof(bool)) return bool.TryParse(text, out var b) ? b : throw new ArgumentException($"Override '{item}': expected true or false.");
        if (type.IsEnum)
            return Enum.TryParse(type, text, ignoreCase: true, out var e) ? e! : throw new ArgumentException($"Override '{item}': expected one of {string.Join(", ", Enum.GetNames(type))}.");
        if (!double.TryParse(text, NumberStyles.Float, culture, out var d) || !double.IsFinite(d)) throw new ArgumentException($"Override '{item}': expected a number.");
        if (type == typeof(double)) return d;
        if (type == typeof(float)) return (float)d;
        if (type == typeof(decimal)) return decimal.Parse(text, NumberStyles.Float, culture);
        try
        {
            return Convert.ChangeType(long.Parse(text, NumberStyles.Integer, culture), type, culture);
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidCastException)
        {
            throw new ArgumentException($"Override '{item}': {property.Name} expects an integer ({type.Name}), got '{text}'.", e);
        }
    }
}
