using System.Globalization;
using System.Text;
using VisionR1.Data.Benchmarks;
using VisionR1.Grpo.Training;

namespace VisionR1.Recipe;

/// <summary>
/// The estimator ablation's table (<see cref="RecipeOptions.Ablation"/>): the run's GRPO stage and each ablation stage with its
/// accuracy, margin over CI with the exact McNemar p, mean completion tokens at the end and stage seconds, built from a
/// <see cref="RecipeSummary"/> and written as markdown (<see cref="FileName"/> in the run's folder).
/// </summary>
public static class AblationTable
{
    /// <summary>The markdown table's file in the run's folder.</summary>
    public const string FileName = "ablation.md";

    /// <summary>
    /// The rows of the ablation in <paramref name="summary"/>: "vision_r1" as <paramref name="runAlgorithm"/> (the run's own,
    /// <see cref="RecipeOptions.Grpo"/>'s) first, then every ablation stage (<see cref="RecipeStages.IsAblation"/>) in the summary's
    /// order; each paired against "ci" from <see cref="RecipeSummary.Paired"/>. Empty when the summary has no ablation stage.
    /// </summary>
    /// <exception cref="InvalidDataException">An ablation stage lacks its evaluation or its comparison with CI.</exception>
    public static IReadOnlyList<AblationResult> Rows(RecipeSummary summary, GrpoAlgorithm runAlgorithm)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var stages = summary.Stages.Keys.Where(s => RecipeStages.IsAblation(s, out _)).ToList();
        if (stages.Count == 0) return [];
        return [Row(summary, RecipeStages.VisionR1, runAlgorithm), .. stages.Select(s => Row(summary, s, RecipeStages.IsAblation(s, out var a) ? a : runAlgorithm))];
    }

    /// <summary>
    /// <see cref="RecipeSummary.Ablation"/> as a markdown table (algorithm, accuracy, margin over CI in points, McNemar p, mean
    /// completion tokens, stage seconds) under a line saying what was compared, with CI's accuracy as the first row; null when the
    /// summary has no ablation.
    /// </summary>
    public static string? Markdown(RecipeSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (summary.Ablation is not { Count: > 0 } rows) return null;
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"Estimator ablation: the GRPO stage from the same CI model with each algorithm (PTST schedule unchanged), seed {summary.Seed}, {summary.TestItems} held-out items.");
        text.AppendLine("Margin and exact McNemar p paired against CI on the same items; mean completion tokens of the trained model's evaluation answers; seconds of the GRPO stage.");
        text.AppendLine();
        text.AppendLine("| algorithm | stage | accuracy | over CI (points) | McNemar p | mean completion tokens | stage seconds |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        if (summary.Stages.TryGetValue(RecipeStages.Ci, out var ci))
            text.AppendLine(c, $"| (start) | {RecipeStages.Ci} | {Percent(ci.Accuracy)} | | | {ci.MeanCompletionTokens:F1} | |");
        foreach (var r in rows)
            text.AppendLine(c, $"| {r.Algorithm} | {r.Stage} | {Percent(r.Accuracy)} | {100 * r.MarginOverCi:+0.0;-0.0;0.0} | {PairedComparison.FormatP(r.PValueVsCi)} | {r.MeanCompletionTokens:F1} | {r.StageSeconds:F0} |");
        return text.ToString();
    }

    private static AblationResult Row(RecipeSummary summary, string stage, GrpoAlgorithm algorithm)
    {
        var evaluation = summary.Stages.GetValueOrDefault(stage) ?? throw new InvalidDataException($"The summary has no evaluation of '{stage}'.");
        var vsCi = summary.Paired.FirstOrDefault(p => p.First == stage && p.Second == RecipeStages.Ci)
            ?? throw new InvalidDataException($"The summary has no comparison of '{stage}' with '{RecipeStages.Ci}'.");
        return new AblationResult(GrpoAlgorithmNames.NameOf(algorithm), stage, evaluation.Accuracy, vsCi.Difference, vsCi.PValue,
            evaluation.MeanCompletionTokens, summary.StageSeconds.GetValueOrDefault(stage));
    }

    private static string Percent(double v) => (100 * v).ToString("F1", CultureInfo.InvariantCulture) + "%";
}
