using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using VisionR1.Grpo.Training;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Checkpoints;

/// <summary>Reading and writing the pieces of a training checkpoint: JSON state, optimizer state, RNG states.</summary>
public static class CheckpointFiles
{
    /// <summary>The trainer state file.</summary>
    public const string StateFileName = "trainer_state.json";

    /// <summary>The optimizer state file (safetensors: moments, fp32 master weights of bf16 parameters, step counts and options; see <see cref="AdamWOptimizer.Save"/>).</summary>
    public const string OptimizerFileName = "optimizer.safetensors";

    /// <summary>The global torch RNG state.</summary>
    public const string TorchRngFileName = "rng_torch.bin";

    /// <summary>The folder of model weights inside a checkpoint.</summary>
    public const string ModelDirectoryName = "model";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>
    /// Writes every piece of a trainer checkpoint into <paramref name="directory"/>: the policy's weights
    /// (HF layout, in <see cref="ModelDirectoryName"/>), the optimizer state, the torch RNG and the trainer state.
    /// </summary>
    public static void WriteTrainingCheckpoint<TState>(string directory, VisionR1.Grpo.Policies.IPolicyModel policy, AdamWOptimizer optimizer, TState state)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(optimizer);
        var model = Path.Combine(directory, ModelDirectoryName);
        Directory.CreateDirectory(model);
        policy.SaveWeights(model);
        SaveOptimizer(optimizer, Path.Combine(directory, OptimizerFileName));
        SaveTorchRng(Path.Combine(directory, TorchRngFileName));
        WriteJson(Path.Combine(directory, StateFileName), state);
    }

    /// <summary>
    /// Reads a checkpoint written by <see cref="WriteTrainingCheckpoint"/> back: checks the seed, restores the policy's
    /// weights, the optimizer state and the torch RNG, and returns the trainer state for the trainer to apply.
    /// </summary>
    /// <exception cref="InvalidOperationException">The checkpoint was written with another seed (an exact resume needs the same one).</exception>
    /// <exception cref="InvalidDataException">A file is missing or malformed; the message names it.</exception>
    public static TState ReadTrainingCheckpoint<TState>(string directory, VisionR1.Grpo.Policies.IPolicyModel policy, AdamWOptimizer optimizer, long seed, Func<TState, long> seedOf)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(seedOf);
        var state = ReadJson<TState>(Path.Combine(directory, StateFileName));
        if (seedOf(state) != seed)
            throw new InvalidOperationException($"Checkpoint {directory} was written with seed {seedOf(state)} but this run uses {seed}; an exact resume needs the same seed.");
        policy.LoadWeights(Path.Combine(directory, ModelDirectoryName));
        LoadOptimizer(optimizer, Path.Combine(directory, OptimizerFileName));
        LoadTorchRng(Path.Combine(directory, TorchRngFileName));
        return state;
    }

    /// <summary>Writes <paramref name="value"/> as indented snake_case JSON.</summary>
    public static void WriteJson<T>(string path, T value) =>
        VisionR1.IO.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, Json));

    /// <summary>Reads a JSON file written by <see cref="WriteJson"/>.</summary>
    /// <exception cref="InvalidDataException">The file is missing or malformed; the message names it.</exception>
    public static T ReadJson<T>(string path)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"Checkpoint file {path} is missing.");
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid: {e.Message}", e);
        }
    }

    /// <summary>Saves an optimizer's full state (exp_avg, exp_avg_sq, master weights, step per parameter, and options), atomically.</summary>
    public static void SaveOptimizer(AdamWOptimizer optimizer, string path)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        optimizer.Save(path);
    }

    /// <summary>Loads an optimizer's state saved by <see cref="SaveOptimizer"/> into an optimizer over the same parameters.</summary>
    public static void LoadOptimizer(AdamWOptimizer optimizer, string path)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!File.Exists(path)) throw new InvalidDataException($"Checkpoint file {path} is missing.");
        optimizer.Load(path);
    }

    /// <summary>Saves the global (default) torch RNG state.</summary>
    public static void SaveTorchRng(string path)
    {
        using var state = torch.random.get_rng_state();
        File.WriteAllBytes(path, state.data<byte>().ToArray());
    }

    /// <summary>Restores the global torch RNG state.</summary>
    public static void LoadTorchRng(string path)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"Checkpoint file {path} is missing.");
        using var state = tensor(File.ReadAllBytes(path), dtype: ScalarType.Byte);
        torch.random.set_rng_state(state);
    }
}
