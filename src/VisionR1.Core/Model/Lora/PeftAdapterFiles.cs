using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VisionR1.IO;
using VisionR1.Model.Checkpoints;
using static TorchSharp.torch;

namespace VisionR1.Model.Lora;

/// <summary>
/// PEFT's LoRA adapter folder: <c>adapter_config.json</c> (peft_type LORA, r, lora_alpha, lora_dropout, target_modules,
/// bias "none", task_type CAUSAL_LM, fan_in_fan_out false, ...) and <c>adapter_model.safetensors</c> with PEFT's saved
/// key names, <c>base_model.model.{layer}.lora_A.weight</c> [r, in] and <c>….lora_B.weight</c> [out, r]. Layer names are
/// the Hub checkpoint's (<c>model.layers.{i}…</c>); PEFT maps them onto newer transformers' module tree through the model's
/// checkpoint conversion mapping, and vLLM and SGLang read this layout. Reading also accepts the newer
/// <c>model.language_model.layers</c> names.
/// </summary>
/// <remarks>
/// The config names the library's language-model-only scope for PEFT as <c>exclude_modules</c> = <c>.*visual.*</c>
/// (PEFT ≥ 0.14; older versions warn and ignore it), because PEFT's suffix matching of, say, <c>gate_proj</c> would also
/// reach the vision tower's MLPs.
/// </remarks>
public static class PeftAdapterFiles
{
    /// <summary>The config file's name.</summary>
    public const string ConfigFileName = "adapter_config.json";

    /// <summary>The weights file's name.</summary>
    public const string WeightsFileName = "adapter_model.safetensors";

    /// <summary>The prefix PEFT's <c>PeftModel</c> puts before the base model's module names.</summary>
    public const string KeyPrefix = "base_model.model.";

    /// <summary>The regular expression written as <c>exclude_modules</c>: every module of the vision tower.</summary>
    public const string ExcludeVisionModules = ".*visual.*";

    /// <summary>PEFT's saved key of a layer's <paramref name="part"/> (<c>lora_A</c> or <c>lora_B</c>).</summary>
    public static string KeyOf(string layerName, string part) => $"{KeyPrefix}{layerName}.{part}.weight";

    /// <summary>Whether <paramref name="directory"/> holds an adapter config.</summary>
    public static bool IsAdapterDirectory(string directory) => File.Exists(Path.Combine(directory, ConfigFileName));

    /// <summary>Writes both files atomically (the weights in the tensors' own dtype).</summary>
    public static void Write(string directory, LoraConfig config, IEnumerable<KeyValuePair<string, Tensor>> tensors, string? baseModelNameOrPath = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tensors);
        Directory.CreateDirectory(directory);
        bool allLinear = config.TargetModules.Contains(LoraConfig.AllLinear);
        var json = new JsonObject
        {
            ["alpha_pattern"] = new JsonObject(),
            ["auto_mapping"] = null,
            ["base_model_name_or_path"] = baseModelNameOrPath,
            ["bias"] = "none",
            ["exclude_modules"] = ExcludeVisionModules,
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["layers_pattern"] = null,
            ["layers_to_transform"] = null,
            ["lora_alpha"] = config.Alpha == Math.Floor(config.Alpha) ? JsonValue.Create((long)config.Alpha) : JsonValue.Create(config.Alpha),
            ["lora_dropout"] = config.Dropout,
            ["modules_to_save"] = null,
            ["peft_type"] = "LORA",
            ["r"] = config.Rank,
            ["rank_pattern"] = new JsonObject(),
            ["revision"] = null,
            ["target_modules"] = allLinear ? JsonValue.Create(LoraConfig.AllLinear) : new JsonArray(config.TargetModules.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
            ["task_type"] = "CAUSAL_LM",
            ["use_dora"] = false,
            ["use_rslora"] = false,
        };
        SafetensorsFile.Write(Path.Combine(directory, WeightsFileName), tensors);
        AtomicFile.WriteAllText(Path.Combine(directory, ConfigFileName), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Reads <c>adapter_config.json</c> as a <see cref="LoraConfig"/>.</summary>
    /// <exception cref="CheckpointException">The file is missing, not JSON, or describes something this library does not compute (another PEFT type, DoRA, rsLoRA, biases, per-layer ranks, a regex target); the message names the file and field.</exception>
    public static LoraConfig ReadConfig(string directory)
    {
        var path = Path.Combine(directory, ConfigFileName);
        if (!File.Exists(path)) throw new CheckpointException($"{path}: the adapter config is missing.");
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new CheckpointException($"{path}: the adapter config is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: not valid JSON ({e.Message}).", e);
        }
        string Str(string field, string? fallback = null) =>
            root[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s
            : root[field] is null && fallback is not null ? fallback
            : throw new CheckpointException($"{path}: field '{field}' must be a string.");
        double Num(string field, double? fallback = null) =>
            root[field] is JsonValue v && v.TryGetValue<double>(out var d) ? d
            : root[field] is null && fallback is not null ? fallback.Value
            : throw new CheckpointException($"{path}: field '{field}' must be a number.");
        bool Flag(string field) =>
            root[field] is JsonValue v && v.TryGetValue<bool>(out var b) ? b
            : root[field] is null ? false
            : throw new CheckpointException($"{path}: field '{field}' must be true or false.");
        void Unsupported(string field, string why) => throw new CheckpointException($"{path}: field '{field}' {why}; this library computes plain LoRA only.");

        if (Str("peft_type") != "LORA") Unsupported("peft_type", $"is '{Str("peft_type")}', not LORA");
        if (Str("bias", "none") != "none") Unsupported("bias", $"is '{Str("bias")}', not none");
        if (Flag("fan_in_fan_out")) Unsupported("fan_in_fan_out", "is true");
        if (Flag("use_dora")) Unsupported("use_dora", "is true");
        if (Flag("use_rslora")) Unsupported("use_rslora", "is true (scaling α/√r)");
        foreach (var field in new[] { "rank_pattern", "alpha_pattern" })
            if (root[field] is JsonObject o && o.Count > 0) Unsupported(field, "sets per-layer values");
        if (root["layers_to_transform"] is not null) Unsupported("layers_to_transform", "restricts the layers");
        if (root["modules_to_save"] is JsonArray { Count: > 0 }) Unsupported("modules_to_save", "lists fully trained modules");
        double rank = Num("r", 8);
        if (rank != Math.Floor(rank) || rank < 1) throw new CheckpointException($"{path}: field 'r' must be a positive integer, got {rank.ToString(CultureInfo.InvariantCulture)}.");
        IReadOnlyList<string> targets = root["target_modules"] switch
        {
            JsonArray a => a.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s
                : throw new CheckpointException($"{path}: field 'target_modules' must hold strings.")).ToList(),
            JsonValue v when v.TryGetValue<string>(out var s) && s.Equals(LoraConfig.AllLinear, StringComparison.OrdinalIgnoreCase) => [LoraConfig.AllLinear],
            JsonValue v when v.TryGetValue<string>(out var s) => throw new CheckpointException($"{path}: field 'target_modules' is the regular expression '{s}'; give a list of layer names (or all-linear)."),
            _ => throw new CheckpointException($"{path}: field 'target_modules' must be a list of layer names."),
        };
        var config = new LoraConfig { Rank = (int)rank, Alpha = Num("lora_alpha", 8), Dropout = Num("lora_dropout", 0), TargetModules = targets };
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException($"{path}: {e.Message}", e);
        }
        return config;
    }

    /// <summary>
    /// Copies the tensors of <c>adapter_model.safetensors</c> into <paramref name="targets"/> (keyed as
    /// <see cref="KeyOf"/> writes them), checking that every target is present with its shape and nothing else is.
    /// </summary>
    /// <exception cref="CheckpointException">The file is missing or malformed, or a tensor is missing, unexpected or of the wrong shape or dtype; the message names it.</exception>
    public static void ReadTensorsInto(string directory, IEnumerable<KeyValuePair<string, Tensor>> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var path = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(path)) throw new CheckpointException($"{path}: the adapter weights are missing.");
        var wanted = targets.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        using var file = SafetensorsFile.Open(path);
        var unexpected = new List<string>();
        foreach (var (key, entry) in file.Entries)
        {
            var name = Normalize(key);
            if (!wanted.TryGetValue(name, out var target))
            {
                unexpected.Add(key);
                continue;
            }
            if (!loaded.Add(name)) throw new CheckpointException($"{path}: tensor '{key}' appears twice (as '{name}').");
            if (!entry.Shape.SequenceEqual(target.shape))
                throw new CheckpointException($"{path}: tensor '{key}' has shape [{string.Join(", ", entry.Shape)}] but the adapter expects [{string.Join(", ", target.shape)}].");
            if (entry.ScalarType is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Float64))
                throw new CheckpointException($"{path}: tensor '{key}' has non-floating dtype {entry.DType}.");
            using var value = file.Read(key);
            using (no_grad()) target.copy_(value);
        }
        if (unexpected.Count > 0)
            throw new CheckpointException($"{path}: tensor(s) the adapter does not have: {string.Join(", ", unexpected.Take(10))}{(unexpected.Count > 10 ? $" and {unexpected.Count - 10} more" : "")}.");
        var missing = wanted.Keys.Where(k => !loaded.Contains(k)).ToList();
        if (missing.Count > 0)
            throw new CheckpointException($"{path}: missing tensor(s): {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? $" and {missing.Count - 10} more" : "")}.");
    }

    /// <summary>A saved key in this library's naming: the newer <c>model.language_model.</c> layer names mapped to the Hub's.</summary>
    private static string Normalize(string key) =>
        key.StartsWith(KeyPrefix, StringComparison.Ordinal) ? KeyPrefix + HfWeightNames.ToHub(key[KeyPrefix.Length..]) : key;
}
