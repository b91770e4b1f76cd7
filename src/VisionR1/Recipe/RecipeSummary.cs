using System.Text.Json.Serialization;
using VisionR1.Data.Benchmarks;
using VisionR1.Grpo.Evaluation;

namespace VisionR1.Recipe;

/// <summary>The result of <see cref="VisionR1Recipe.RunAsync"/>, as the run's summary.json holds it (the JSON names are those `vr1 pipeline` has always written).</summary>
/// <param name="Stages">Evaluation per model stage (base, ci, vision_r1, and any variants), in the order they were trained.</param>
/// <param name="TestItems">Held-out test items each model answered.</param>
/// <param name="ElapsedSeconds">Compute seconds of all stages (summed over resumed runs).</param>
/// <param name="StageSeconds">Seconds per stage.</param>
/// <param name="Quick">Whether this was a smoke run with tiny sizes (<see cref="RecipeOptions.SmokeRun"/>).</param>
/// <param name="Seed">The run's seed (<see cref="RecipeOptions.Seed"/>).</param>
public sealed record RecipeSummary(
    [property: JsonPropertyName("stages")] IReadOnlyDictionary<string, LocalEvaluation> Stages,
    [property: JsonPropertyName("test_items")] int TestItems,
    [property: JsonPropertyName("elapsed_s")] double ElapsedSeconds,
    [property: JsonPropertyName("stage_seconds")] IReadOnlyDictionary<string, double> StageSeconds,
    [property: JsonPropertyName("quick")] bool Quick,
    [property: JsonPropertyName("seed")] long Seed)
{
    /// <summary>The arithmetic probe per model (each in its evaluation style).</summary>
    [JsonPropertyName("probe")]
    public IReadOnlyDictionary<string, LocalEvaluation> Probe { get; init; } = new Dictionary<string, LocalEvaluation>();

    /// <summary>One-operation equations each model wrote in its test completions, and how many are right.</summary>
    [JsonPropertyName("equations")]
    public IReadOnlyDictionary<string, EquationAudit> Equations { get; init; } = new Dictionary<string, EquationAudit>();

    /// <summary>The plan the run was sized with and its predicted seconds (<see cref="RecipeOptions.Plan"/>), to set against <see cref="StageSeconds"/>; null without one.</summary>
    [JsonPropertyName("plan")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RunPlan? Plan { get; init; }

    /// <summary>Paired comparisons on the test items (exact McNemar).</summary>
    [JsonPropertyName("paired")]
    public IReadOnlyList<PairedComparison> Paired { get; init; } = [];

    /// <summary>The estimator ablation's rows (<see cref="AblationTable.Rows"/>); null, and left out of summary.json, when the run has none (<see cref="RecipeOptions.Ablation"/>).</summary>
    [JsonPropertyName("ablation")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<AblationResult>? Ablation { get; init; }

    /// <summary>Accuracy per model by family and by reasoning steps.</summary>
    [JsonPropertyName("breakdown")]
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<GroupAccuracy>>> Breakdown { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<GroupAccuracy>>>();
}
