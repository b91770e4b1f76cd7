using System.Globalization;
using System.Text.Json.Serialization;

namespace VisionR1.Data.Synthetic;

/// <summary>
/// What a synthetic question asks, as data: the facts it needs (with their true values) and
/// the formula that turns them into the answer. Serialised into <c>MathProblem.Metadata["task"]</c>.
/// </summary>
/// <param name="Kind">A stable name of the question template ("count_color_kind", "bar_sum", "rect_area", ...).</param>
/// <param name="Formula">How the answer follows from the facts.</param>
/// <param name="Facts">The facts the question needs, in formula order, with their true values.</param>
/// <param name="Options">For <see cref="TaskFormula.ArgMax"/>: the option texts, aligned with <see cref="Facts"/>; otherwise null.</param>
public sealed record SyntheticTask(string Kind, TaskFormula Formula, IReadOnlyList<SceneFact> Facts, IReadOnlyList<string>? Options = null)
{
    /// <summary>The ground-truth answer.</summary>
    [JsonIgnore]
    public string Answer => Evaluate(Facts.Select(f => f.Value).ToList());

    /// <summary>"easy" (one fact read off the image), "medium" (one operation on two facts) or "hard" (two steps, three or more facts, or a comparison).</summary>
    [JsonIgnore]
    public string Difficulty => Formula switch
    {
        TaskFormula.Value => "easy",
        TaskFormula.Sum or TaskFormula.Difference or TaskFormula.Product when Facts.Count <= 2 => "medium",
        _ => "hard",
    };

    /// <summary>
    /// Reasoning steps the answer takes: 1 to read one fact; one more per operation on read facts (a sum of n facts is n
    /// steps, a difference, product, largest-of or arg-max 2, a perimeter 2 (add, then double) plus the reading, the range 3).
    /// Items of 2 or more steps combine facts; a chain of thought writes one line per step.
    /// </summary>
    [JsonIgnore]
    public int Steps => Formula switch
    {
        TaskFormula.Value => 1,
        TaskFormula.Sum => Math.Max(2, Facts.Count),
        TaskFormula.Difference or TaskFormula.Product or TaskFormula.Max or TaskFormula.ArgMax => 2,
        TaskFormula.Perimeter or TaskFormula.MaxMinusMin => 3,
        _ => throw new InvalidOperationException($"Unknown formula {Formula}."),
    };

    /// <summary>The answer this task's formula gives for <paramref name="values"/> (aligned with <see cref="Facts"/>).</summary>
    /// <remarks>An arg-max over values whose largest is shared (a miscount can make one) picks the first of them.</remarks>
    /// <exception cref="ArgumentException">The number of values does not fit the formula, or an arg-max task lacks one option per fact.</exception>
    public string Evaluate(IReadOnlyList<int> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != Facts.Count)
            throw new ArgumentException($"Task '{Kind}' needs {Facts.Count} values, got {values.Count}.", nameof(values));
        int result = Formula switch
        {
            TaskFormula.Value => values[0],
            TaskFormula.Sum => values.Sum(),
            TaskFormula.Difference => values[0] - values[1],
            TaskFormula.Product => values[0] * values[1],
            TaskFormula.Perimeter => 2 * (values[0] + values[1]),
            TaskFormula.Max => values.Max(),
            TaskFormula.MaxMinusMin => values.Max() - values.Min(),
            TaskFormula.ArgMax => ArgMaxIndex(values),
            _ => throw new ArgumentOutOfRangeException(nameof(values), Formula, "Unknown formula."),
        };
        if (Formula == TaskFormula.ArgMax)
        {
            if (Options is null || Options.Count != Facts.Count)
                throw new ArgumentException($"Task '{Kind}' is an arg-max without one option per fact.", nameof(values));
            return Options[result];
        }
        return result.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Index of the unique largest value, or -1 when the largest value is shared.</summary>
    public static int UniqueArgMax(IReadOnlyList<int> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) return -1;
        int max = values.Max();
        return values.Count(v => v == max) == 1 ? values.ToList().IndexOf(max) : -1;
    }

    private int ArgMaxIndex(IReadOnlyList<int> values)
    {
        int i = UniqueArgMax(values);
        // A perceived tie (e.g. a miscount) still needs an answer: take the first of the largest.
        return i >= 0 ? i : values.ToList().IndexOf(values.Max());
    }
}
