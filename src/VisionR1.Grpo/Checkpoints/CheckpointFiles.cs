using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Checkpoints;

/// <summary>The file names of a training checkpoint and the reading and writing of its JSON state and RNG state (the optimizer's is <see cref="AdamWStateFile"/>).</summary>
public static class CheckpointFiles
{
    /// <summary>The trainer state file.</summary>
    public const string StateFileName = "trainer_state.json";

    /// <summary>The optimizer state file (safetensors: moments, fp32 master weights of bf16 parameters, step counts and options; see <see cref="AdamWStateFile"/>).</summary>
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

    /// <summary>Saves the global (default) torch RNG state.</summary>
    public static void SaveTorchRng(string path)
    {
        using var state = torch.random.get_rng_state();
        var bytes = state.data<byte>().ToArray();
        VisionR1.IO.AtomicFile.Write(path, s => s.Write(bytes, 0, bytes.Length));
    }

    /// <summary>Restores the global torch RNG state.</summary>
    public static void LoadTorchRng(string path)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"Checkpoint file {path} is missing.");
        using var state = tensor(File.ReadAllBytes(path), dtype: ScalarType.Byte);
        torch.random.set_rng_state(state);
    }
}
