using System.Text.Json.Serialization;

namespace VisionR1.Grpo.Evaluation;

/// <summary>How a local model did on a set of problems (<see cref="LocalEvaluator"/>); snake_case JSON names, in this order.</summary>
public sealed record LocalEvaluation
{
    /// <summary>Test items answered.</summary>
    [JsonPropertyName("items")]
    public required int Items { get; init; }

    /// <summary>Items whose answer matched the ground truth (math verifier).</summary>
    [JsonPropertyName("correct")]
    public required int Correct { get; init; }

    /// <summary>Correct / Items.</summary>
    [JsonPropertyName("accuracy")]
    public required double Accuracy { get; init; }

    /// <summary>Lower end of the 95% Wilson interval of the accuracy.</summary>
    [JsonPropertyName("ci_lower")]
    public required double CiLower { get; init; }

    /// <summary>Upper end of the 95% Wilson interval.</summary>
    [JsonPropertyName("ci_upper")]
    public required double CiUpper { get; init; }

    /// <summary>Share of completions in the exact &lt;think&gt;…&lt;/think&gt;&lt;answer&gt;…&lt;/answer&gt; layout.</summary>
    [JsonPropertyName("format_rate")]
    public required double FormatRate { get; init; }

    /// <summary>Mean completion length in tokens (end-of-turn token included).</summary>
    [JsonPropertyName("mean_completion_tokens")]
    public required double MeanCompletionTokens { get; init; }

    /// <summary>Share of completions with at least one of the paper's reflective words (Wait, Hmm, Mistake, Alternatively, Check).</summary>
    [JsonPropertyName("reflective_rate")]
    public required double ReflectiveRate { get; init; }

    /// <summary>Share of completions cut at the length cap.</summary>
    [JsonPropertyName("clipped_rate")]
    public required double ClippedRate { get; init; }

    /// <summary>"direct" (asked for a short answer) or "cot" (asked the bare question, as in RL).</summary>
    [JsonPropertyName("mode")]
    public required string Mode { get; init; }

    /// <summary>Wall-clock seconds of the evaluation.</summary>
    [JsonPropertyName("seconds")]
    public required double Seconds { get; init; }
}
