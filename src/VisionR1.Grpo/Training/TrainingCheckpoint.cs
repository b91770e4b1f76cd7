using System.Globalization;
using VisionR1.Grpo.Checkpoints;
using VisionR1.Grpo.Policies;

namespace VisionR1.Grpo.Training;

/// <summary>
/// A trainer's checkpoint: the policy's weights (HF layout, in <see cref="CheckpointFiles.ModelDirectoryName"/>), the
/// optimizer state, the torch RNG and the trainer state, with the step and data cursor also recorded in the manifest
/// (<see cref="Facts"/>) so that a resume cross-checks them between the files.
/// </summary>
internal static class TrainingCheckpoint
{
    private const string EpochFact = "data_epoch";
    private const string PositionFact = "data_position";

    /// <summary>The manifest facts of <paramref name="state"/>: its data cursor.</summary>
    public static IReadOnlyDictionary<string, string> Facts(ITrainerCheckpointState state) => new Dictionary<string, string>
    {
        [EpochFact] = state.Data.Epoch.ToString(CultureInfo.InvariantCulture),
        [PositionFact] = state.Data.Position.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Writes every piece into <paramref name="directory"/> (a <see cref="CheckpointStore.Save(long, Action{string}, IReadOnlyDictionary{string, string}?, CancellationToken)"/> folder).</summary>
    public static void Write<TState>(string directory, IPolicyModel policy, AdamWOptimizer optimizer, TState state)
    {
        var model = Path.Combine(directory, CheckpointFiles.ModelDirectoryName);
        Directory.CreateDirectory(model);
        policy.SaveWeights(model);
        optimizer.Save(Path.Combine(directory, CheckpointFiles.OptimizerFileName));
        CheckpointFiles.SaveTorchRng(Path.Combine(directory, CheckpointFiles.TorchRngFileName));
        CheckpointFiles.WriteJson(Path.Combine(directory, CheckpointFiles.StateFileName), state);
    }

    /// <summary>
    /// Reads a verified checkpoint back: the trainer state first, cross-checked against the manifest (step, data cursor) and
    /// the run's seed before anything is loaded; then the policy's weights, the optimizer state and the torch RNG.
    /// </summary>
    /// <exception cref="CheckpointDamagedException">The state's step or data cursor disagrees with the manifest.</exception>
    /// <exception cref="InvalidOperationException">The checkpoint was written with another seed.</exception>
    public static TState Read<TState>(CheckpointInfo checkpoint, IPolicyModel policy, AdamWOptimizer optimizer, long seed) where TState : ITrainerCheckpointState
    {
        var directory = checkpoint.Directory;
        var state = CheckpointFiles.ReadJson<TState>(Path.Combine(directory, CheckpointFiles.StateFileName));
        var damage = new List<CheckpointDamage>();
        void Check(string what, string? expected, string found)
        {
            if (expected is not null && expected != found)
                damage.Add(new CheckpointDamage(CheckpointFiles.StateFileName, $"{what} differs from the manifest", expected, found));
        }
        Check("\"step\"", checkpoint.Step.ToString(CultureInfo.InvariantCulture), state.Step.ToString(CultureInfo.InvariantCulture));
        if (state.Data is null) damage.Add(new CheckpointDamage(CheckpointFiles.StateFileName, "\"data\" (the data cursor) is missing", null, null));
        else
        {
            Check("data epoch", checkpoint.Facts.GetValueOrDefault(EpochFact), state.Data.Epoch.ToString(CultureInfo.InvariantCulture));
            Check("data position", checkpoint.Facts.GetValueOrDefault(PositionFact), state.Data.Position.ToString(CultureInfo.InvariantCulture));
            if (state.Data.Epoch < 0 || state.Data.Position < 0)
                damage.Add(new CheckpointDamage(CheckpointFiles.StateFileName, "negative data cursor", "≥ 0", $"{state.Data.Epoch}:{state.Data.Position}"));
        }
        if (damage.Count > 0) throw new CheckpointDamagedException(directory, damage);
        if (state.Seed != seed)
            throw new InvalidOperationException($"Checkpoint {directory} was written with seed {state.Seed} but this run uses {seed}; an exact resume needs the same seed.");
        policy.LoadWeights(Path.Combine(directory, CheckpointFiles.ModelDirectoryName));
        optimizer.Load(Path.Combine(directory, CheckpointFiles.OptimizerFileName));
        CheckpointFiles.LoadTorchRng(Path.Combine(directory, CheckpointFiles.TorchRngFileName));
        return state;
    }
}
