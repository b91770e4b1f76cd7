namespace VisionR1.Grpo.Schedule;

/// <summary>The shape of the learning rate after warm-up.</summary>
public enum LearningRateShape
{
    /// <summary>Half-cosine from the peak down to the floor over the remaining steps (Vision-R1's SFT).</summary>
    Cosine,
    /// <summary>Straight line from the peak down to the floor.</summary>
    Linear,
    /// <summary>Stays at the peak.</summary>
    Constant,
}

/// <summary>
/// Linear warm-up then decay, as a pure function of the step (0-based): during warm-up
/// lr = peak · step / warmup (the Hugging Face convention, so step 0 has lr 0 when there is a warm-up);
/// then the shape's decay from the peak to peak · <see cref="MinLearningRateRatio"/> at <see cref="TotalSteps"/>.
/// </summary>
/// <param name="PeakLearningRate">The learning rate after warm-up.</param>
/// <param name="WarmupSteps">Warm-up steps (Vision-R1's SFT: 5% of the steps).</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
/// <param name="Shape">Decay after warm-up.</param>
/// <param name="MinLearningRateRatio">The floor as a fraction of the peak.</param>
public sealed record LearningRateSchedule(
    double PeakLearningRate,
    int WarmupSteps,
    int TotalSteps,
    LearningRateShape Shape = LearningRateShape.Cosine,
    double MinLearningRateRatio = 0)
{
    /// <summary>A schedule whose warm-up is <paramref name="warmupRatio"/> of <paramref name="totalSteps"/> (rounded up).</summary>
    public static LearningRateSchedule WithWarmupRatio(double peak, double warmupRatio, int totalSteps, LearningRateShape shape = LearningRateShape.Cosine) =>
        new(peak, (int)Math.Ceiling(Math.Clamp(warmupRatio, 0, 1) * totalSteps), totalSteps, shape);

    /// <summary>The learning rate of step <paramref name="step"/>.</summary>
    public double At(long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "Steps start at 0.");
        if (!(PeakLearningRate >= 0)) throw new InvalidOperationException($"The peak learning rate must be ≥ 0; got {PeakLearningRate}.");
        if (step < WarmupSteps) return PeakLearningRate * step / WarmupSteps;
        double floor = PeakLearningRate * MinLearningRateRatio;
        int decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        double progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        return Shape switch
        {
            LearningRateShape.Constant => PeakLearningRate,
            LearningRateShape.Linear => floor + (PeakLearningRate - floor) * (1 - progress),
            LearningRateShape.Cosine => floor + (PeakLearningRate - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress)),
            _ => throw new InvalidOperationException($"Unknown shape {Shape}."),
        };
    }
}
