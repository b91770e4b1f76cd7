using static TorchSharp.torch;

namespace VisionR1.Model.Checkpoints;

/// <summary>One tensor described in a safetensors header.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="DType">The header's dtype string (e.g. "BF16").</param>
/// <param name="ScalarType">The matching TorchSharp element type.</param>
/// <param name="Shape">Shape.</param>
/// <param name="Begin">First byte, relative to the data section.</param>
/// <param name="End">One past the last byte, relative to the data section.</param>
public sealed record SafetensorsEntry(string Name, string DType, ScalarType ScalarType, long[] Shape, long Begin, long End)
{
    /// <summary>Number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}
