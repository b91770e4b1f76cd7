using static TorchSharp.torch;

namespace VisionR1.Model.Checkpoints;

/// <summary>The safetensors dtype strings this reader and writer support, and their element sizes.</summary>
public static class SafetensorsDTypes
{
    private static readonly Dictionary<string, (ScalarType Type, int Size)> ByName = new(StringComparer.Ordinal)
    {
        ["F64"] = (ScalarType.Float64, 8),
        ["F32"] = (ScalarType.Float32, 4),
        ["F16"] = (ScalarType.Float16, 2),
        ["BF16"] = (ScalarType.BFloat16, 2),
        ["I64"] = (ScalarType.Int64, 8),
        ["I32"] = (ScalarType.Int32, 4),
        ["I16"] = (ScalarType.Int16, 2),
        ["I8"] = (ScalarType.Int8, 1),
        ["U8"] = (ScalarType.Byte, 1),
        ["BOOL"] = (ScalarType.Bool, 1),
    };

    /// <summary>Looks up a dtype string; false for anything unsupported.</summary>
    public static bool TryParse(string name, out ScalarType type, out int elementSize)
    {
        if (ByName.TryGetValue(name, out var v))
        {
            (type, elementSize) = v;
            return true;
        }
        type = default;
        elementSize = 0;
        return false;
    }

    /// <summary>The dtype string of a TorchSharp element type.</summary>
    public static string NameOf(ScalarType type) =>
        ByName.FirstOrDefault(kv => kv.Value.Type == type).Key
        ?? throw new ArgumentException($"Element type {type} cannot be stored in safetensors by this writer.", nameof(type));

    /// <summary>Bytes per element of a TorchSharp element type.</summary>
    public static int SizeOf(ScalarType type) =>
        ByName.Values.FirstOrDefault(v => v.Type == type) is { Size: > 0 } v ? v.Size : throw new ArgumentException($"Unsupported element type {type}.", nameof(type));
}
