namespace VisionR1.Grpo.Training;

/// <summary>
/// Thrown by the trainers when a step's loss or gradient norm is NaN or infinite. The step's update is not applied and no
/// checkpoint is written, so the last checkpoint (if any) is the last good state.
/// </summary>
public sealed class NonFiniteTrainingException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NonFiniteTrainingException(long step, double loss, double gradientNorm, string? lastGoodCheckpoint, string message)
        : base(message)
    {
        Step = step;
        Loss = loss;
        GradientNorm = gradientNorm;
        LastGoodCheckpoint = lastGoodCheckpoint;
    }

    /// <summary>The step that failed (1-based: the step that would have completed).</summary>
    public long Step { get; }

    /// <summary>The step's loss.</summary>
    public double Loss { get; }

    /// <summary>The step's gradient norm before clipping.</summary>
    public double GradientNorm { get; }

    /// <summary>The folder of the last checkpoint written before the failure, or null.</summary>
    public string? LastGoodCheckpoint { get; }
}
