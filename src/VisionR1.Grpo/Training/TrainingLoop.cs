using VisionR1.Grpo.Checkpoints;

namespace VisionR1.Grpo.Training;

/// <summary>The step loop both trainers share: steps until done, a step budget or cancellation, with periodic and final checkpoints.</summary>
internal static class TrainingLoop
{
    /// <summary>
    /// Runs <paramref name="step"/> until <paramref name="finished"/>, <paramref name="maxSteps"/> more steps, or cancellation
    /// (a safe stop: the step under way completes). With <paramref name="save"/> set, checkpoints every
    /// <paramref name="saveEvery"/> steps, when finished, and on the way out unless the last checkpoint is of the current step.
    /// </summary>
    public static TrainingRunResult Run(Func<bool> finished, Func<long> currentStep, Action step, Func<CheckpointInfo>? save,
        Func<CheckpointInfo?> lastCheckpoint, int saveEvery, long? maxSteps, CancellationToken cancellationToken)
    {
        long done = 0;
        while (!finished() && (maxSteps is null || done < maxSteps) && !cancellationToken.IsCancellationRequested)
        {
            step();
            done++;
            if (save is not null && (currentStep() % saveEvery == 0 || finished())) save();
        }
        if (save is not null && lastCheckpoint()?.Step != currentStep()) save();
        return new TrainingRunResult(currentStep(), finished(), lastCheckpoint());
    }
}
