namespace VisionR1.Grpo.Training;

/// <summary>The command-line names of <see cref="GrpoAlgorithm"/>: <c>grpo|dr_grpo|dapo|gspo|cispo|rloo|reinforce_pp</c> (the names the RL frameworks use).</summary>
public static class GrpoAlgorithmNames
{
    private static readonly (string Name, GrpoAlgorithm Algorithm)[] Table =
    [
        ("grpo", GrpoAlgorithm.Grpo),
        ("dr_grpo", GrpoAlgorithm.DrGrpo),
        ("dapo", GrpoAlgorithm.Dapo),
        ("gspo", GrpoAlgorithm.Gspo),
        ("cispo", GrpoAlgorithm.Cispo),
        ("rloo", GrpoAlgorithm.Rloo),
        ("reinforce_pp", GrpoAlgorithm.ReinforcePlusPlus),
    ];

    /// <summary>The seven names, in the order of <see cref="GrpoAlgorithm"/>.</summary>
    public static IReadOnlyList<string> All { get; } = Table.Select(t => t.Name).ToArray();

    /// <summary>The algorithm named <paramref name="name"/> (case-insensitive; '-' is read as '_').</summary>
    /// <exception cref="ArgumentException">The name is none of <see cref="All"/>.</exception>
    public static GrpoAlgorithm Parse(string name) =>
        TryParse(name, out var algorithm)
            ? algorithm
            : throw new ArgumentException($"Unknown algorithm '{name}'; expected one of {string.Join(", ", All)}.", nameof(name));

    /// <summary>The word <see cref="ParseList"/> reads as every algorithm.</summary>
    public const string AllKeyword = "all";

    /// <summary>
    /// The algorithms of a comma-separated list of names (each as <see cref="Parse"/> reads it), or all seven, in the order of
    /// <see cref="GrpoAlgorithm"/>, for <see cref="AllKeyword"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The list is empty, names an unknown algorithm or names one twice; the message names it and the choices.</exception>
    public static IReadOnlyList<GrpoAlgorithm> ParseList(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        if (string.Equals(list.Trim(), AllKeyword, StringComparison.OrdinalIgnoreCase)) return Table.Select(t => t.Algorithm).ToArray();
        var names = list.Split(',', StringSplitOptions.TrimEntries);
        var algorithms = new List<GrpoAlgorithm>();
        foreach (var name in names)
        {
            if (!TryParse(name, out var algorithm))
                throw new ArgumentException(name.Length == 0
                    ? $"Empty algorithm name in '{list}'; expected '{AllKeyword}' or names from {string.Join(", ", All)}, separated by commas."
                    : $"Unknown algorithm '{name}'; expected '{AllKeyword}' or names from {string.Join(", ", All)}, separated by commas.");
            if (algorithms.Contains(algorithm)) throw new ArgumentException($"Algorithm '{NameOf(algorithm)}' is listed twice in '{list}'.");
            algorithms.Add(algorithm);
        }
        return algorithms;
    }

    /// <summary>Whether <paramref name="name"/> names an algorithm (case-insensitive; '-' is read as '_').</summary>
    public static bool TryParse(string? name, out GrpoAlgorithm algorithm)
    {
        var key = name?.Trim().Replace('-', '_');
        foreach (var (n, a) in Table)
        {
            if (string.Equals(n, key, StringComparison.OrdinalIgnoreCase))
            {
                algorithm = a;
                return true;
            }
        }
        algorithm = GrpoAlgorithm.Grpo;
        return false;
    }

    /// <summary>The command-line name of <paramref name="algorithm"/>.</summary>
    public static string NameOf(GrpoAlgorithm algorithm) =>
        Table.FirstOrDefault(t => t.Algorithm == algorithm).Name ?? throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown algorithm.");
}
