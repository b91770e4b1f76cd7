using VisionR1.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace VisionR1.Model.Layers;

/// <summary>
/// softmax(q·kᵀ / √d + mask)·v for the text and vision attention. fp32 (and any non-CPU device) goes to
/// <c>scaled_dot_product_attention</c>. bf16/fp16 on the CPU runs the product explicitly, as transformers'
/// eager attention does: scores in the weight dtype, softmax in fp32, probabilities cast back. libtorch's
/// CPU SDPA backward in bf16 is several times slower than this (docs/performance.md), while the two matmuls here
/// run on the bf16 GEMM.
/// </summary>
internal static class AttentionKernel
{
    /// <summary>Whether <see cref="Compute(Tensor, Tensor, Tensor, Tensor?, bool)"/> should take the explicit path for queries like <paramref name="q"/>.</summary>
    public static bool Explicit(Tensor q) => Explicit(q.device.type, q.dtype);

    /// <summary>Whether <see cref="Compute(Tensor, Tensor, Tensor, Tensor?, bool)"/> should take the explicit path for tensors of <paramref name="dtype"/> on a <paramref name="device"/> device.</summary>
    public static bool Explicit(DeviceType device, ScalarType dtype) =>
        device == DeviceType.CPU && dtype is ScalarType.BFloat16 or ScalarType.Float16;

    /// <summary>
    /// q: (…, L, d); k, v: (…, S, d); <paramref name="allowed"/>: bool broadcastable to (…, L, S), True = attend,
    /// or null for full attention. Every query row must be allowed at least one key.
    /// </summary>
    public static Tensor Compute(Tensor q, Tensor k, Tensor v, Tensor? allowed) => Compute(q, k, v, allowed, Explicit(q));

    /// <summary>
    /// As <see cref="Compute(Tensor, Tensor, Tensor, Tensor?)"/> with the path already chosen by the caller (a layer that
    /// knows its weights' device and dtype saves the per-call device and dtype queries; they add up when decoding).
    /// </summary>
    public static Tensor Compute(Tensor q, Tensor k, Tensor v, Tensor? allowed, bool explicitProduct)
    {
        if (!explicitProduct) return nn.functional.scaled_dot_product_attention(q, k, v, allowed);
        using var scope = NewDisposeScope();
        var scores = Scalars.Mul(q.matmul(k.transpose(-1, -2)), 1.0 / Math.Sqrt(q.shape[^1]));
        if (allowed is not null) scores = Scalars.MaskedFill(scores, allowed.logical_not(), double.NegativeInfinity);
        var probs = scores.softmax(-1, ScalarType.Float32).to_type(q.dtype);
        return probs.matmul(v).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// (rows·L, S) bool causal mask for L queries at positions S − L … S − 1 whose <paramref name="rows"/> copies are
    /// stacked along the query axis (query heads sharing a KV head folded into the query length).
    /// </summary>
    public static Tensor FoldedCausal(long rows, long queries, long keys, Device device)
    {
        using var scope = NewDisposeScope();
        var keyPos = Scalars.Arange(0, keys, device: device).view(1, keys);
        var queryPos = Scalars.Arange(keys - queries, keys, device: device).repeat(rows).view(rows * queries, 1);
        return keyPos.le(queryPos).MoveToOuterDisposeScope();
    }
}
