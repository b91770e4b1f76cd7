namespace VisionR1.Grpo.Training;

/// <summary>What every trainer state stored in a checkpoint holds, so that a resume can cross-check it against the manifest.</summary>
public interface ITrainerCheckpointState
{
    /// <summary>Optimizer steps completed.</summary>
    long Step { get; }

    /// <summary>Where the data order stands.</summary>
    DataCursor Data { get; }

    /// <summary>The run's seed (an exact resume needs the same one).</summary>
    long Seed { get; }
}
