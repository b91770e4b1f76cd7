namespace VisionR1.Grpo.Schedule;

/// <summary>Where a run stands in its schedule; part of every checkpoint.</summary>
/// <param name="StageIndex">The current stage (equal to the stage count once the schedule is done).</param>
/// <param name="StepInStage">Steps completed in the current stage.</param>
/// <param name="PromptsInStage">Prompts consumed in the current stage.</param>
/// <param name="TriggerStreak">Consecutive steps of the current stage whose clipped ratio exceeded the trigger.</param>
public sealed record ScheduleState(int StageIndex = 0, int StepInStage = 0, long PromptsInStage = 0, int TriggerStreak = 0);
