using System.Globalization;

namespace VisionR1.Benchmarks;

/// <summary>`--name value` options of the probes.</summary>
internal static class ProbeArgs
{
    /// <summary>The value after <paramref name="name"/>, or null.</summary>
    public static string? Get(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>The integer after <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public static int Int(string[] args, string name, int fallback) =>
        Get(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
