using System.Text.Json;

namespace VisionR1.Trainer.Reporting;

/// <summary>One model's bar in the evaluation chart: its accuracy and the 95% interval around it.</summary>
/// <param name="Name">The model stage (base, base_cot, ci, vision_r1, or a variant).</param>
/// <param name="Accuracy">Accuracy on the held-out items, 0–1.</param>
/// <param name="CiLower">Lower end of the 95% Wilson interval, 0–1.</param>
/// <param name="CiUpper">Upper end of the 95% Wilson interval, 0–1.</param>
/// <param name="Items">Items the model answered.</param>
public sealed record EvaluationBar(string Name, double Accuracy, double CiLower, double CiUpper, int Items)
{
    /// <summary>
    /// Reads the bars from a pipeline's summary.json: its "stages" object in file order, each with accuracy, ci_lower,
    /// ci_upper and items. Stages missing one of them are left out.
    /// </summary>
    public static IReadOnlyList<EvaluationBar> ReadSummary(string summaryPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(summaryPath));
        if (!document.RootElement.TryGetProperty("stages", out var stages) || stages.ValueKind != JsonValueKind.Object) return [];
        var bars = new List<EvaluationBar>();
        foreach (var stage in stages.EnumerateObject())
        {
            if (stage.Value.ValueKind != JsonValueKind.Object) continue;
            if (Number(stage.Value, "accuracy") is not { } accuracy || Number(stage.Value, "ci_lower") is not { } lower
                || Number(stage.Value, "ci_upper") is not { } upper) continue;
            int items = stage.Value.TryGetProperty("items", out var n) && n.TryGetInt32(out int count) ? count : 0;
            bars.Add(new EvaluationBar(stage.Name, accuracy, lower, upper, items));
        }
        return bars;
    }

    private static double? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
