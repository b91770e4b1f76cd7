namespace VisionR1.Grpo.Schedule;

/// <summary>A move from one stage to the next.</summary>
/// <param name="FromStage">The stage that ended.</param>
/// <param name="ToStage">The stage that starts (the stage count when the schedule is done).</param>
/// <param name="StepsInFromStage">Steps the ended stage ran.</param>
/// <param name="Reason">"steps", "prompts" or "trigger".</param>
public sealed record StageSwitch(int FromStage, int ToStage, int StepsInFromStage, string Reason);
