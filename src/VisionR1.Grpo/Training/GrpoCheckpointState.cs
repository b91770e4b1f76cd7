using VisionR1.Grpo.Schedule;

namespace VisionR1.Grpo.Training;

/// <summary>The trainer's position, stored as <c>trainer_state.json</c> in each GRPO checkpoint.</summary>
/// <param name="Step">Steps completed.</param>
/// <param name="Schedule">Where the stage schedule stands.</param>
/// <param name="Data">Where the prompt order stands.</param>
/// <param name="Seed">The run's seed (a resumed run must use the same one).</param>
/// <param name="Switches">Stage switches so far.</param>
/// <param name="KeepRate">
/// Share of sampled groups that dynamic sampling kept in the last step of the current stage (null: none yet, or a checkpoint
/// written before it was stored); dynamic sampling sizes the next step's first round by it (<see cref="GrpoOptions.DynamicSampling"/>).
/// </param>
public sealed record GrpoCheckpointState(long Step, ScheduleState Schedule, DataCursor Data, long Seed, IReadOnlyList<StageSwitch> Switches, double? KeepRate = null) : ITrainerCheckpointState;
