using System.Globalization;
using System.Text.Json;
using VisionR1.Model.Checkpoints;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Checkpoints;

/// <summary>
/// The AdamW optimizer's state file (safetensors): tensors <c>{i}.exp_avg</c>, <c>{i}.exp_avg_sq</c> and, for bf16/fp16
/// parameters, <c>{i}.master</c> for every parameter i that has stepped; step counts and hyper-parameters in the header
/// metadata. Written atomically; read back with every entry checked against the parameters before anything is returned.
/// </summary>
public static class AdamWStateFile
{
    private const string FormatName = "visionr1-adamw";
    private const int FormatVersion = 1;

    /// <summary>Writes <paramref name="state"/> to <paramref name="path"/> (atomically, through a temporary file).</summary>
    public static void Write(string path, AdamWState state)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(state);
        using var scope = NewDisposeScope(); // keeps the writer's temporary copies reachable until they are written
        var tensors = new List<KeyValuePair<string, Tensor>>();
        for (int i = 0; i < state.Parameters.Count; i++)
        {
            if (state.Parameters[i] is not { } s) continue;
            tensors.Add(new($"{i}.exp_avg", s.ExpAvg));
            tensors.Add(new($"{i}.exp_avg_sq", s.ExpAvgSq));
            if (s.Master is not null) tensors.Add(new($"{i}.master", s.Master));
        }
        var o = state.Options;
        var metadata = new Dictionary<string, string>
        {
            ["optimizer"] = FormatName,
            ["version"] = FormatVersion.ToString(CultureInfo.InvariantCulture),
            ["parameter_count"] = state.Parameters.Count.ToString(CultureInfo.InvariantCulture),
            ["step_count"] = state.StepCount.ToString(CultureInfo.InvariantCulture),
            ["parameter_steps"] = JsonSerializer.Serialize(state.Parameters.Select(s => s?.Step ?? 0).ToArray()),
            ["lr"] = state.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            ["beta1"] = o.Beta1.ToString("R", CultureInfo.InvariantCulture),
            ["beta2"] = o.Beta2.ToString("R", CultureInfo.InvariantCulture),
            ["eps"] = o.Epsilon.ToString("R", CultureInfo.InvariantCulture),
            ["weight_decay"] = o.WeightDecay.ToString("R", CultureInfo.InvariantCulture),
        };
        SafetensorsFile.Write(path, tensors, metadata);
    }

    /// <summary>
    /// Reads a state written by <see cref="Write"/> for parameters laid out as <paramref name="layout"/> (the optimizer's order).
    /// Every tensor is checked (present, shape, dtype, no extra ones) before the state is returned; the caller owns its tensors.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is missing, not an optimizer state of this kind, or does not fit the parameters; the message names the file and the tensor.</exception>
    public static AdamWState Read(string path, IReadOnlyList<AdamWParameterLayout> layout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(layout);
        if (!File.Exists(path)) throw new InvalidDataException($"Optimizer state file {path} is missing.");
        SafetensorsFile file;
        try
        {
            file = SafetensorsFile.Open(path);
        }
        catch (CheckpointException e)
        {
            throw new InvalidDataException($"Optimizer state file {path} is not a valid safetensors file: {e.Message}", e);
        }
        using (file)
        {
            string Meta(string key) => file.Metadata.TryGetValue(key, out var v) ? v
                : throw new InvalidDataException($"Optimizer state file {path} lacks the metadata entry '{key}'.");
            if (Meta("optimizer") != FormatName) throw new InvalidDataException($"{path} holds '{Meta("optimizer")}' state, not {FormatName}.");
            if (Meta("version") != FormatVersion.ToString(CultureInfo.InvariantCulture))
                throw new InvalidDataException($"{path} has optimizer state version {Meta("version")}; this build reads version {FormatVersion}.");
            int count = ParseInt(path, "parameter_count", Meta("parameter_count"));
            if (count != layout.Count)
                throw new InvalidDataException($"{path} holds state for {count} parameters but this optimizer has {layout.Count}.");
            long stepCount = ParseLong(path, "step_count", Meta("step_count"));
            long[] steps;
            try
            {
                steps = JsonSerializer.Deserialize<long[]>(Meta("parameter_steps")) ?? [];
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: metadata 'parameter_steps' is not a JSON array of integers.", e);
            }
            if (steps.Length != count || steps.Any(s => s < 0))
                throw new InvalidDataException($"{path}: metadata 'parameter_steps' must hold {count} non-negative step counts.");
            if (!double.TryParse(Meta("lr"), NumberStyles.Float, CultureInfo.InvariantCulture, out var lr) || !(lr >= 0))
                throw new InvalidDataException($"{path}: metadata 'lr' is not a non-negative number.");
            var options = new AdamWHyperParameters(Number(file, "beta1"), Number(file, "beta2"), Number(file, "eps"), Number(file, "weight_decay"));

            var loaded = new AdamWParameterState?[count];
            try
            {
                using var noGrad = no_grad();
                for (int i = 0; i < count; i++)
                {
                    if (steps[i] == 0) continue;
                    var p = layout[i];
                    var expAvg = ReadTensor(file, path, $"{i}.exp_avg", p, p.StateType);
                    var expAvgSq = ReadTensor(file, path, $"{i}.exp_avg_sq", p, p.StateType);
                    var m = p.HasMaster ? ReadTensor(file, path, $"{i}.master", p, ScalarType.Float32) : null;
                    loaded[i] = new AdamWParameterState(steps[i], expAvg, expAvgSq, m);
                }
                var extra = file.Entries.Keys.FirstOrDefault(k => !IsExpected(k, steps, layout));
                if (extra is not null) throw new InvalidDataException($"{path}: unexpected tensor '{extra}' (no stepped parameter owns it).");
            }
            catch
            {
                foreach (var s in loaded) Dispose(s);
                throw;
            }
            return new AdamWState(stepCount, lr, options, loaded);
        }
    }

    /// <summary>Disposes the tensors of one parameter's state (null is ignored).</summary>
    public static void Dispose(AdamWParameterState? state)
    {
        if (state is null) return;
        state.ExpAvg.Dispose();
        state.ExpAvgSq.Dispose();
        state.Master?.Dispose();
    }

    private static double Number(SafetensorsFile file, string key) =>
        file.Metadata.TryGetValue(key, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN;

    private static bool IsExpected(string name, long[] steps, IReadOnlyList<AdamWParameterLayout> layout)
    {
        int dot = name.IndexOf('.');
        if (dot <= 0 || !int.TryParse(name.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out int i) || i >= steps.Length || steps[i] == 0)
            return false;
        return name[(dot + 1)..] switch
        {
            "exp_avg" or "exp_avg_sq" => true,
            "master" => layout[i].HasMaster,
            _ => false,
        };
    }

    private static Tensor ReadTensor(SafetensorsFile file, string path, string name, AdamWParameterLayout p, ScalarType dtype)
    {
        if (!file.Entries.TryGetValue(name, out var entry))
            throw new InvalidDataException($"{path}: tensor '{name}' is missing.");
        if (!entry.Shape.SequenceEqual(p.Shape))
            throw new InvalidDataException($"{path}: tensor '{name}' has shape [{string.Join(", ", entry.Shape)}] but the parameter has [{string.Join(", ", p.Shape)}].");
        if (entry.ScalarType != dtype)
            throw new InvalidDataException($"{path}: tensor '{name}' is {entry.ScalarType} but {dtype} is expected.");
        using var cpu = file.Read(name);
        return cpu.to(p.Device).DetachFromDisposeScope();
    }

    private static int ParseInt(string path, string key, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new InvalidDataException($"{path}: metadata '{key}' is not a non-negative integer.");

    private static long ParseLong(string path, string key, string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new InvalidDataException($"{path}: metadata '{key}' is not a non-negative integer.");
}
