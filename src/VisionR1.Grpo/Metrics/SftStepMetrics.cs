namespace VisionR1.Grpo.Metrics;

/// <summary>
/// What one SFT optimizer step did; one JSONL line of <c>metrics.jsonl</c> (snake_case field names, in this order). Built with
/// named members; every member is required.
/// </summary>
public sealed record SftStepMetrics
{
    /// <summary>The 1-based optimizer step.</summary>
    public required long Step { get; init; }

    /// <summary>The 0-based epoch the step's samples came from.</summary>
    public required int Epoch { get; init; }

    /// <summary>Mean negative log-likelihood per assistant token over the step's samples.</summary>
    public required double Loss { get; init; }

    /// <summary>Assistant tokens the loss counted.</summary>
    public required double Tokens { get; init; }

    /// <summary>Samples in the step.</summary>
    public required int Samples { get; init; }

    /// <summary>Learning rate used.</summary>
    public required double LearningRate { get; init; }

    /// <summary>Gradient norm before clipping.</summary>
    public required double GradNorm { get; init; }

    /// <summary>Tokens (all positions) processed per second.</summary>
    public required double TokensPerSecond { get; init; }

    /// <summary>Seconds of the whole step.</summary>
    public required double StepSeconds { get; init; }
}
