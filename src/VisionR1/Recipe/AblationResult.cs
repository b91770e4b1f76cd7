using System.Text.Json.Serialization;

namespace VisionR1.Recipe;

/// <summary>
/// One algorithm of the estimator ablation (<see cref="RecipeOptions.Ablation"/>): its GRPO stage from the CI model, evaluated on
/// the held-out problems and paired against CI on the same items (summary.json's "ablation", one row of ablation.md).
/// </summary>
/// <param name="Algorithm">The algorithm's command-line name (<see cref="Grpo.Training.GrpoAlgorithmNames"/>).</param>
/// <param name="Stage">Its stage: "vision_r1" for the run's own algorithm, <see cref="RecipeStages.Ablation"/> for the others.</param>
/// <param name="Accuracy">Accuracy on the held-out problems.</param>
/// <param name="MarginOverCi">Its accuracy minus CI's on the items both answered (a fraction; × 100 for points).</param>
/// <param name="PValueVsCi">Two-sided exact McNemar p-value of the difference from CI.</param>
/// <param name="MeanCompletionTokens">Mean completion tokens of the trained model's evaluation answers: its completion length at the end of training.</param>
/// <param name="StageSeconds">Seconds of the GRPO stage (training only, summed over resumed attempts).</param>
public sealed record AblationResult(
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("stage")] string Stage,
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("margin_over_ci")] double MarginOverCi,
    [property: JsonPropertyName("p_value_vs_ci")] double PValueVsCi,
    [property: JsonPropertyName("mean_completion_tokens")] double MeanCompletionTokens,
    [property: JsonPropertyName("stage_seconds")] double StageSeconds);
