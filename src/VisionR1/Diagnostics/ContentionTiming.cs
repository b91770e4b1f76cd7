namespace VisionR1.Diagnostics;

/// <summary>
/// One thread-wait setting's training step alone and next to busy processes started after the run began
/// (see <see cref="ContentionBench"/>).
/// </summary>
/// <param name="Policy">A short name: "chosen" (what vr1 itself does), "passive", "spin20000", "spin300000".</param>
/// <param name="Settings">The settings in effect, e.g. <c>GOMP_SPINCOUNT=20000 governor=on</c>.</param>
/// <param name="AloneSeconds">Median step, nothing else started.</param>
/// <param name="WithCompetitorSeconds">Median step after the competitors started (the governor's reaction time included).</param>
/// <param name="CompetitorThreads">Busy single-thread processes started mid-run (one per core).</param>
/// <param name="FairSlowdown">The slowdown a fair share of the cores allows: (threads + competitors) / cores, at least 1.</param>
/// <param name="ThreadChanges">How often the thread governor changed the thread count during the measurement.</param>
public sealed record ContentionTiming(string Policy, string Settings, double AloneSeconds, double WithCompetitorSeconds, int CompetitorThreads,
    double FairSlowdown, int ThreadChanges)
{
    /// <summary>Step time with the competitors over step time alone.</summary>
    public double Slowdown => WithCompetitorSeconds / AloneSeconds;

    /// <summary><see cref="Slowdown"/> over <see cref="FairSlowdown"/>: the bar is at most 1.5.</summary>
    public double BeyondFairShare => Slowdown / FairSlowdown;
}
