namespace VisionR1.Data.Filtering;

/// <summary>The rules a CoT sample can fail, in the order they are checked.</summary>
public enum FilterRule
{
    /// <summary>Cut off mid-way.</summary>
    Truncated,
    /// <summary>Not exactly the think/answer layout (<see cref="CotFilterOptions.Format"/>).</summary>
    Format,
    /// <summary>A degenerate repetition loop.</summary>
    Repetition,
    /// <summary>The final answer is not equivalent to the ground truth.</summary>
    WrongAnswer,
    /// <summary>The thinking concludes something other than the answer, or the final statements contradict each other.</summary>
    Inconsistent,
}

/// <summary>The verdict on one sample.</summary>
/// <param name="Kept">Whether the sample passed every enabled rule.</param>
/// <param name="FailedRule">The first rule it failed, or null.</param>
/// <param name="Reason">Why it failed, or null.</param>
/// <param name="Response">The response after word replacement (unchanged when removed).</param>
/// <param name="Replacements">How many words were replaced.</param>
public sealed record FilterVerdict(bool Kept, FilterRule? FailedRule, string? Reason, string Response, int Replacements);
