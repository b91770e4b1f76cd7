namespace VisionR1.Grpo.Schedule;

/// <summary>
/// Ends a stage early when the completions keep hitting the length cap: the fraction of
/// completions truncated at the cap (the "clipped ratio") is above <see cref="ClippedRatioAbove"/>
/// for <see cref="ForSteps"/> consecutive steps. A cap the model has outgrown is the signal to
/// move to the next, longer stage.
/// </summary>
/// <param name="ClippedRatioAbove">Threshold on the fraction of truncated completions, in [0, 1) (2–4% is the range users report).</param>
/// <param name="ForSteps">How many consecutive steps must exceed it.</param>
public sealed record StageSwitchTrigger(double ClippedRatioAbove, int ForSteps = 1)
{
    /// <summary>Throws for a threshold outside [0, 1) or a step count below 1.</summary>
    public void Validate(string where)
    {
        if (!(ClippedRatioAbove is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(ClippedRatioAbove), ClippedRatioAbove, $"{where}: the clipped-ratio threshold must be in [0, 1).");
        if (ForSteps < 1) throw new ArgumentOutOfRangeException(nameof(ForSteps), ForSteps, $"{where}: the trigger needs at least 1 step.");
    }
}
