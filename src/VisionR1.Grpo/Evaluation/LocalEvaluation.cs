using System.Text.Json.Serialization;

namespace VisionR1.Grpo.Evaluation;

/// <summary>How a local model did on a set of problems (<see cref="LocalEvaluator"/>); snake_case JSON names.</summary>
/// <param name="Items">Test items answered.</param>
/// <param name="Correct">Items whose answer matched the ground truth (math verifier).</param>
/// <param name="Accuracy">Correct / Items.</param>
/// <param name="CiLower">Lower end of the 95% Wilson interval of the accuracy.</param>
/// <param name="CiUpper">Upper end of the 95% Wilson interval.</param>
/// <param name="FormatRate">Share of completions in the exact &lt;think&gt;…&lt;/think&gt;&lt;answer&gt;…&lt;/answer&gt; layout.</param>
/// <param name="MeanCompletionTokens">Mean completion length in tokens (end-of-turn token included).</param>
/// <param name="ReflectiveRate">Share of completions with at least one of the paper's reflective words (Wait, Hmm, Mistake, Alternatively, Check).</param>
/// <param name="ClippedRate">Share of completions cut at the length cap.</param>
/// <param name="Mode">"direct" (asked for a short answer) or "cot" (asked the bare question, as in RL).</param>
/// <param name="Seconds">Wall-clock seconds of the evaluation.</param>
public sealed record LocalEvaluation(
    [property: JsonPropertyName("items")] int Items,
    [property: JsonPropertyName("correct")] int Correct,
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("ci_lower")] double CiLower,
    [property: JsonPropertyName("ci_upper")] double CiUpper,
    [property: JsonPropertyName("format_rate")] double FormatRate,
    [property: JsonPropertyName("mean_completion_tokens")] double MeanCompletionTokens,
    [property: JsonPropertyName("reflective_rate")] double ReflectiveRate,
    [property: JsonPropertyName("clipped_rate")] double ClippedRate,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("seconds")] double Seconds)
{
    /// <summary>
    /// The 95% Wilson score interval of <paramref name="correct"/> of <paramref name="total"/> ((0, 1) for none); the
    /// formula of VisionR1.Data's AccuracyEstimate at its default confidence, kept here so this package needs no
    /// statistics library.
    /// </summary>
    public static (double Lower, double Upper) Wilson95(int correct, int total)
    {
        if (total == 0) return (0, 1);
        const double z = 1.959963984540054;
        double n = total, p = correct / n, z2 = z * z, denom = 1 + z2 / n;
        double center = (p + z2 / (2 * n)) / denom, half = z / denom * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return (Math.Max(0, center - half), Math.Min(1, center + half));
    }
}
