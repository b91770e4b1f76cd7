namespace VisionR1.Grpo.Training;

/// <summary>The SFT trainer's position, stored as <c>trainer_state.json</c> in each SFT checkpoint.</summary>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="Data">Where the sample order stands.</param>
/// <param name="Seed">The run's seed.</param>
public sealed record SftCheckpointState(long Step, DataCursor Data, long Seed) : ITrainerCheckpointState;
