namespace VisionR1.Grpo.Metrics;

/// <summary>What one SFT optimizer step did; one JSONL line.</summary>
/// <param name="Step">The 1-based optimizer step.</param>
/// <param name="Epoch">The 0-based epoch the step's samples came from.</param>
/// <param name="Loss">Mean negative log-likelihood per assistant token over the step's samples.</param>
/// <param name="Tokens">Assistant tokens the loss counted.</param>
/// <param name="Samples">Samples in the step.</param>
/// <param name="LearningRate">Learning rate used.</param>
/// <param name="GradNorm">Gradient norm before clipping.</param>
/// <param name="TokensPerSecond">Tokens (all positions) processed per second.</param>
/// <param name="StepSeconds">Seconds of the whole step.</param>
public sealed record SftStepMetrics(
    long Step,
    int Epoch,
    double Loss,
    double Tokens,
    int Samples,
    double LearningRate,
    double GradNorm,
    double TokensPerSecond,
    double StepSeconds);
