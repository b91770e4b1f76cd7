namespace VisionR1.Recipe;

/// <summary>Where a recipe stage runs and reports: its name, its own folder (checkpoints, outputs) and the progress callback.</summary>
/// <param name="Stage">The stage's name (also its progress key), e.g. "ci" or "vision_r1".</param>
/// <param name="Directory">The stage's folder; a stage resumes from what it left there.</param>
/// <param name="Progress">Where the stage reports.</param>
public sealed record StageRun(string Stage, string Directory, IRecipeProgress Progress)
{
    /// <summary>A stage whose folder is <see cref="StageRunner.StageDirectory"/> of <paramref name="runner"/>.</summary>
    public static StageRun In(StageRunner runner, string stage, IRecipeProgress progress)
    {
        ArgumentNullException.ThrowIfNull(runner);
        return new StageRun(stage, runner.StageDirectory(stage), progress);
    }
}
