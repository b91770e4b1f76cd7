using System.Text.Json;
using System.Text.RegularExpressions;
using VisionR1.Model.Config;
using static TorchSharp.torch;
using VisionR1.IO;

namespace VisionR1.Model.Checkpoints;

/// <summary>
/// Saves a model as a Hugging Face folder that transformers and vLLM load: <c>config.json</c>
/// (flat Hub layout) and <c>model.safetensors</c>, or shards <c>model-0000i-of-0000n.safetensors</c>
/// with <c>model.safetensors.index.json</c> (<c>metadata.total_size</c>, <c>weight_map</c>).
/// Keys are the Hub names (<c>visual.*</c>, <c>model.*</c>, <c>lm_head.weight</c> unless tied).
/// Every file is written to a temporary name and renamed, the index last; weight files of an earlier save into the same
/// folder that the new layout does not name (a single file, an index, shards of another count) are deleted afterwards.
/// </summary>
public static partial class CheckpointSaver
{
    /// <summary>
    /// Writes <paramref name="model"/> into <paramref name="directory"/>, converting to
    /// <paramref name="dtype"/> (default: the model's). With <paramref name="maxShardBytes"/> the
    /// weights are split into shards of at most that size (a single larger tensor gets its own shard).
    /// </summary>
    public static void Save(Qwen25VLModel model, string directory, ScalarType? dtype = null, long? maxShardBytes = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Write(model, directory, dtype, maxShardBytes, model.Config.Save);
    }

    /// <summary>
    /// As <see cref="Save(Qwen25VLModel, string, ScalarType?, long?)"/> for either family: <paramref name="writeConfig"/>
    /// writes the family's config.json into the folder, given the dtype's name ("float32", "bfloat16" or "float16").
    /// </summary>
    internal static void Write(QwenVLModel model, string directory, ScalarType? dtype, long? maxShardBytes, Action<string, string> writeConfig)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Device.type == TorchSharp.DeviceType.META) throw new ArgumentException("A model on the meta device has no weights to save.", nameof(model));
        var type = dtype ?? model.DType;
        Directory.CreateDirectory(directory);
        writeConfig(directory, type switch
        {
            ScalarType.BFloat16 => "bfloat16",
            ScalarType.Float16 => "float16",
            _ => "float32",
        });

        var state = model.state_dict().OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        long elementSize = SafetensorsDTypes.SizeOf(type);
        var shards = new List<List<KeyValuePair<string, Tensor>>>();
        long current = 0;
        foreach (var kv in state)
        {
            long bytes = kv.Value.numel() * elementSize;
            if (shards.Count == 0 || (maxShardBytes is long max && current > 0 && current + bytes > max))
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(kv);
            current += bytes;
        }

        var single = Path.Combine(directory, CheckpointLoader.WeightsFile);
        var index = Path.Combine(directory, CheckpointLoader.IndexFile);
        if (maxShardBytes is null || shards.Count == 1)
        {
            WriteShard(single, shards[0], type);
            if (File.Exists(index)) File.Delete(index);
            RemoveStaleShards(directory, new HashSet<string>(StringComparer.Ordinal));
            return;
        }

        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long total = 0;
        for (int i = 0; i < shards.Count; i++)
        {
            var name = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            WriteShard(Path.Combine(directory, name), shards[i], type);
            foreach (var kv in shards[i])
            {
                weightMap[kv.Key] = name;
                total += kv.Value.numel() * elementSize;
            }
        }
        var json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["metadata"] = new Dictionary<string, long> { ["total_size"] = total },
            ["weight_map"] = weightMap,
        }, new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.WriteAllText(index, json);
        if (File.Exists(single)) File.Delete(single);
        RemoveStaleShards(directory, weightMap.Values.ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>Deletes the <c>model-0000i-of-0000n.safetensors</c> files in <paramref name="directory"/> that <paramref name="keep"/> does not name.</summary>
    private static void RemoveStaleShards(string directory, IReadOnlySet<string> keep)
    {
        foreach (var path in Directory.EnumerateFiles(directory, "model-*-of-*.safetensors"))
        {
            var name = Path.GetFileName(path);
            if (ShardName().IsMatch(name) && !keep.Contains(name)) File.Delete(path);
        }
    }

    [GeneratedRegex(@"^model-\d{5}-of-\d{5}\.safetensors$", RegexOptions.CultureInvariant)]
    private static partial Regex ShardName();

    private static void WriteShard(string path, List<KeyValuePair<string, Tensor>> tensors, ScalarType type)
    {
        using var scope = NewDisposeScope();
        // Converted one shard at a time; with the model's own dtype no copy is made.
        var converted = tensors.Select(kv => new KeyValuePair<string, Tensor>(kv.Key, kv.Value.dtype == type ? kv.Value : kv.Value.to_type(type)));
        SafetensorsFile.Write(path, converted);
    }
}
