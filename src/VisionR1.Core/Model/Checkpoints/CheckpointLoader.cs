using System.Text.Json;
using VisionR1.Model.Config;
using static TorchSharp.torch;

namespace VisionR1.Model.Checkpoints;

/// <summary>
/// Loads a Hugging Face Qwen2.5-VL folder: <c>config.json</c> plus <c>model.safetensors</c> or a
/// sharded <c>model.safetensors.index.json</c>, in either weight-name scheme, with a tied or
/// separate <c>lm_head</c>. The model is built with uninitialised weights on the target device
/// and the tensors are streamed from the files one at a time: straight into the parameter when it is a CPU tensor of the
/// stored dtype, else through one temporary tensor, so peak memory is the model plus at most its largest tensor
/// (never two copies of the model).
/// </summary>
public static class CheckpointLoader
{
    /// <summary>Single-file weights name.</summary>
    public const string WeightsFile = "model.safetensors";

    /// <summary>Sharded weights index name.</summary>
    public const string IndexFile = "model.safetensors.index.json";

    /// <summary>Loads the model in <paramref name="directory"/> onto <paramref name="device"/> (default CPU) as <paramref name="dtype"/>.</summary>
    /// <exception cref="CheckpointException">Files are missing or malformed, or tensors are missing, unexpected or mis-shaped (named).</exception>
    public static Qwen25VLModel Load(string directory, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        var config = Qwen25VLConfig.Load(directory);
        CheckConfigAgainstHeaders(config, directory); // before anything is allocated
        var model = new Qwen25VLModel(config, device, dtype);
        try
        {
            LoadWeights(model, directory);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Compares <c>config.json</c> with the safetensors headers of <paramref name="directory"/> before a model is built, so an
    /// absurd or mismatched config (a million layers, a vocabulary of 10^9) is named instead of allocated: the number of text
    /// layers and vision blocks, and the embedding's [vocab_size, hidden_size], must match the tensors the headers list.
    /// Only the headers are read.
    /// </summary>
    /// <exception cref="CheckpointException">A count or shape disagrees (the file and the config field are named).</exception>
    public static void CheckConfigAgainstHeaders(Qwen25VLConfig config, string directory)
    {
        ArgumentNullException.ThrowIfNull(config);
        CheckHeaders(directory, HfWeightNames.ToHub, new HeaderShape(
            "model.layers.", "num_hidden_layers", config.Text.NumHiddenLayers,
            "visual.blocks.", "vision_config.depth", config.Vision.Depth,
            "model.embed_tokens.weight", "vocab_size", config.Text.VocabSize, "hidden_size", config.Text.HiddenSize));
    }

    /// <summary>What a config says the headers must hold: the layer and block counts under their key prefixes and the embedding's shape, with the config fields that state them.</summary>
    internal sealed record HeaderShape(
        string LayerPrefix, string LayersField, int Layers,
        string BlockPrefix, string BlocksField, int Blocks,
        string EmbeddingKey, string VocabField, int Vocab, string HiddenField, int Hidden);

    /// <summary>
    /// Reads only the safetensors headers of <paramref name="directory"/> (keys after <paramref name="toModelName"/>) and compares the
    /// number of text layers and vision blocks and the embedding's shape with <paramref name="expected"/>.
    /// </summary>
    /// <exception cref="CheckpointException">A count or shape disagrees (the file and the config field are named).</exception>
    internal static void CheckHeaders(string directory, Func<string, string> toModelName, HeaderShape expected)
    {
        var configPath = Path.Combine(directory, "config.json");
        int textLayers = 0, visionBlocks = 0;
        string? lastTextKey = null, lastVisionKey = null;
        long[]? embedding = null;
        string? embeddingFile = null;
        var files = WeightFiles(directory);
        foreach (var (path, _) in files)
        {
            if (!File.Exists(path)) throw new CheckpointException($"{path}: listed in {IndexFile} but missing.");
            using var file = SafetensorsFile.Open(path);
            foreach (var (key, entry) in file.Entries)
            {
                var name = toModelName(key);
                if (LayerIndex(name, expected.LayerPrefix) + 1 is var layers && layers > textLayers) (textLayers, lastTextKey) = (layers, key);
                if (LayerIndex(name, expected.BlockPrefix) + 1 is var blocks && blocks > visionBlocks) (visionBlocks, lastVisionKey) = (blocks, key);
                if (name == expected.EmbeddingKey)
                {
                    embedding = entry.Shape;
                    embeddingFile = path;
                }
            }
        }
        var where = files.Count == 1 ? files[0].Path : Path.Combine(directory, IndexFile);
        if (textLayers != expected.Layers)
            throw new CheckpointException($"{configPath}: {expected.LayersField} is {expected.Layers} but {where} holds {textLayers} text layer(s){(lastTextKey is null ? "" : $" (up to '{lastTextKey}')")}.");
        if (visionBlocks != expected.Blocks)
            throw new CheckpointException($"{configPath}: {expected.BlocksField} is {expected.Blocks} but {where} holds {visionBlocks} vision block(s){(lastVisionKey is null ? "" : $" (up to '{lastVisionKey}')")}.");
        if (embedding is null)
            throw new CheckpointException($"{where}: no {expected.EmbeddingKey} tensor.");
        if (embedding.Length != 2 || embedding[0] != expected.Vocab || embedding[1] != expected.Hidden)
            throw new CheckpointException($"{configPath}: {expected.VocabField} {expected.Vocab} and {expected.HiddenField} {expected.Hidden} disagree with {expected.EmbeddingKey} [{string.Join(", ", embedding)}] in {embeddingFile}.");
    }

    private static CheckpointException NonFinite(string path, string key) =>
        new($"{path}: tensor '{key}' holds non-finite values (NaN or infinity); the checkpoint is damaged or came from a diverged run.");

    /// <summary>Whether every element is finite, checked in slices of 16M elements so the check's mask stays small next to a large tensor.</summary>
    private static bool AllFinite(Tensor tensor)
    {
        const long Slice = 1L << 24;
        using var flat = tensor.reshape(-1);
        for (long start = 0; start < flat.numel(); start += Slice)
        {
            using var part = flat.narrow(0, start, Math.Min(Slice, flat.numel() - start));
            using var mask = isfinite(part);
            using var all = mask.all();
            if (!all.item<bool>()) return false;
        }
        return true;
    }

    private static int LayerIndex(string name, string prefix)
    {
        if (!name.StartsWith(prefix, StringComparison.Ordinal)) return -1;
        int end = name.IndexOf('.', prefix.Length);
        return end > prefix.Length && int.TryParse(name.AsSpan(prefix.Length, end - prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : -1;
    }

    /// <summary>The safetensors files of a folder (single file or the shards its index names) with the keys each must hold.</summary>
    public static IReadOnlyList<(string Path, IReadOnlySet<string>? Keys)> WeightFiles(string directory)
    {
        var single = Path.Combine(directory, WeightsFile);
        var index = Path.Combine(directory, IndexFile);
        if (File.Exists(index))
        {
            Dictionary<string, HashSet<string>> byFile = new(StringComparer.Ordinal);
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(index));
                if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                    throw new CheckpointException($"{index}: no weight_map object.");
                foreach (var p in map.EnumerateObject())
                {
                    var file = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw new CheckpointException($"{index}: weight_map['{p.Name}'] must be a file name.");
                    if (file.Contains('/') || file.Contains('\\') || file.Contains("..", StringComparison.Ordinal))
                        throw new CheckpointException($"{index}: weight_map['{p.Name}'] = '{file}' is not a plain file name.");
                    if (!byFile.TryGetValue(file, out var keys)) byFile[file] = keys = new HashSet<string>(StringComparer.Ordinal);
                    keys.Add(p.Name);
                }
            }
            catch (JsonException e)
            {
                throw new CheckpointException($"{index}: not valid JSON ({e.Message}).", e);
            }
            return byFile.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => (Path.Combine(directory, kv.Key), (IReadOnlySet<string>?)kv.Value)).ToList();
        }
        if (File.Exists(single)) return [(single, null)];
        throw new CheckpointException($"{directory}: neither {WeightsFile} nor {IndexFile} was found.");
    }

    /// <summary>Copies the weights of <paramref name="directory"/> into an existing model, checking every key and shape.</summary>
    public static void LoadWeights(Qwen25VLModel model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        CopyWeights(model, directory, HfWeightNames.ToHub, model.Config.Text.TieWordEmbeddings);
    }

    /// <summary>
    /// Copies the weights of <paramref name="directory"/> (single file or sharded index) into <paramref name="model"/>, whose
    /// parameter names are the keys after <paramref name="toModelName"/>: every tensor must exist in the model with its shape, be
    /// floating and finite, and appear once; every parameter must be loaded. A tied model skips a stored <c>lm_head.weight</c>.
    /// </summary>
    /// <exception cref="CheckpointException">Files are missing or malformed, or tensors are missing, unexpected, duplicated, mis-shaped or non-finite (named).</exception>
    internal static void CopyWeights(TorchSharp.torch.nn.Module model, string directory, Func<string, string> toModelName, bool tiedHead)
    {
        var targets = model.state_dict();
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        foreach (var (path, expectedKeys) in WeightFiles(directory))
        {
            if (!File.Exists(path)) throw new CheckpointException($"{path}: listed in {IndexFile} but missing.");
            using var file = SafetensorsFile.Open(path);
            if (expectedKeys is not null)
            {
                var absent = expectedKeys.FirstOrDefault(k => !file.Entries.ContainsKey(k));
                if (absent is not null) throw new CheckpointException($"{path}: {IndexFile} maps '{absent}' to this file but it does not contain it.");
            }
            foreach (var (key, entry) in file.Entries)
            {
                var name = toModelName(key);
                if (!targets.TryGetValue(name, out var target))
                {
                    // A tied model may still carry a copy of the head; it is the embedding by definition.
                    if (name == "lm_head.weight" && tiedHead) continue;
                    unexpected.Add(key);
                    continue;
                }
                if (!loaded.Add(name)) throw new CheckpointException($"{path}: tensor '{key}' appears twice in the checkpoint (as '{name}').");
                if (!entry.Shape.SequenceEqual(target.shape))
                    throw new CheckpointException($"{path}: tensor '{key}' has shape [{string.Join(", ", entry.Shape)}] but the model expects [{string.Join(", ", target.shape)}].");
                if (entry.ScalarType is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Float64))
                    throw new CheckpointException($"{path}: tensor '{key}' has non-floating dtype {entry.DType}.");
                using (no_grad())
                {
                    if (target.device_type == TorchSharp.DeviceType.CPU && target.dtype == entry.ScalarType && target.is_contiguous())
                    {
                        // Streamed into the parameter itself: loading never holds a second copy of a tensor.
                        file.ReadInto(key, target);
                        if (!AllFinite(target)) throw NonFinite(path, key);
                    }
                    else
                    {
                        using var value = file.Read(key);
                        if (!AllFinite(value)) throw NonFinite(path, key);
                        target.copy_(value);
                    }
                }
            }
        }
        if (unexpected.Count > 0)
            throw new CheckpointException($"{directory}: unexpected tensor(s) the model does not have: {string.Join(", ", unexpected.Take(10))}{(unexpected.Count > 10 ? $" and {unexpected.Count - 10} more" : "")}.");
        var missing = targets.Keys.Where(k => !loaded.Contains(k)).ToList();
        if (missing.Count > 0)
            throw new CheckpointException($"{directory}: missing tensor(s): {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? $" and {missing.Count - 10} more" : "")}.");
    }
}
