namespace VisionR1.Text;

/// <summary>The words Vision-R1 counts as signs of self-reflection in a chain of thought (its Table 4).</summary>
public static class ReflectiveWords
{
    /// <summary>"Wait", "Hmm", "Mistake", "Alternatively", "Check".</summary>
    public static IReadOnlyList<string> Paper { get; } = ["Wait", "Hmm", "Mistake", "Alternatively", "Check"];

    /// <summary>Whether <paramref name="text"/> holds any of <paramref name="words"/> (the paper's when null), ignoring case.</summary>
    public static bool AnyIn(string text, IReadOnlyList<string>? words = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return (words ?? Paper).Any(w => text.Contains(w, StringComparison.OrdinalIgnoreCase));
    }
}
