using VisionR1.Runtime;
using TorchSharp;
using VisionR1.Model.Config;
using VisionR1.Model.Layers;
using VisionR1.Model.Vision;
using static TorchSharp.torch;

namespace VisionR1.Model.Text;

/// <summary>
/// Grouped-query causal self-attention of a Qwen2 layer (q/k/v with bias, o_proj without),
/// with M-RoPE and an optional in-place KV cache. With a mask, keys and values are never
/// repeated: the query heads sharing a KV head are folded into the query length instead.
/// </summary>
internal sealed class TextAttention : nn.Module<Tensor, Tensor>
{
    public Linear q_proj;
    public Linear k_proj;
    public Linear v_proj;
    public Linear o_proj;
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;
    private readonly bool _explicitAttention; // decided once from the weights' device and dtype (see AttentionKernel)

    public TextAttention(TextConfig config, Device device, ScalarType dtype) : base(nameof(TextAttention))
    {
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        _explicitAttention = AttentionKernel.Explicit(device.type, dtype);
        q_proj = new Linear(config.HiddenSize, _heads * _headDim, true, device, dtype);
        k_proj = new Linear(config.HiddenSize, _kvHeads * _headDim, true, device, dtype);
        v_proj = new Linear(config.HiddenSize, _kvHeads * _headDim, true, device, dtype);
        o_proj = new Linear(_heads * _headDim, config.HiddenSize, false, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => throw new NotSupportedException("Call Forward(x, cos, sin, mask, cache, layer).");

    /// <summary>
    /// x: (B, T, D); cos, signedSin: (B, T, 1, head_dim), signedSin = sin with its first half negated (so that
    /// rotate_half(x)·sin = roll(x, head_dim/2)·signedSin); mask: (B, 1, T, S) bool, True = attend, or null for plain
    /// causal attention over the T positions just computed (no padding, empty cache).
    /// </summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor signedSin, Tensor? mask, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var (qk, v) = Project(x);
        // Queries and keys rotate together: one set of element-wise ops over (B, T, heads + kv_heads, head_dim).
        qk = qk.view(b, t, _heads + _kvHeads, _headDim);
        // qk·cos + roll(qk)·sin with the second product fused into the add (one temporary and one call fewer).
        using (var one = 1.ToScalar()) qk = (qk * cos).addcmul_(qk.roll(_headDim / 2, -1), signedSin, one);
        var k = qk.narrow(2, _heads, _kvHeads).transpose(1, 2);
        v = v.view(b, t, _kvHeads, _headDim).transpose(1, 2);
        if (cache is not null) (k, v) = cache.Write(layer, k, v);

        int groups = _heads / _kvHeads;
        if (t == 1 && (mask is not null || cache is not null))
        {
            // One new token per row (decoding): (B, 1, heads, d) is already head-major, so the query heads of each
            // KV head are a (B, kv_heads, groups, d) view, the (B, 1, 1, S) mask (or none: no padding) broadcasts
            // over them, and the output is the merged (B, 1, heads·d) row as it stands: no transposes or copies.
            var single = AttentionKernel.Compute(qk.narrow(2, 0, _heads).view(b, _kvHeads, groups, _headDim), k, v, mask, _explicitAttention);
            return o_proj.forward(single.view(b, 1, _heads * _headDim)).MoveToOuterDisposeScope();
        }
        var q = qk.narrow(2, 0, _heads).transpose(1, 2);
        long keyLength = k.shape[2];
        Tensor output;
        if (_explicitAttention)
        {
            // bf16 on the CPU: the explicit product, with the query heads of a KV head folded into the query
            // axis (no repeated keys and values) and the causal mask built for the folded rows.
            var qg = q.reshape(b, _kvHeads, groups * t, _headDim);
            var allowed = mask is null ? AttentionKernel.FoldedCausal(groups, t, keyLength, q.device)
                : t == 1 ? mask : mask.unsqueeze(2).expand(b, 1, groups, t, keyLength).reshape(b, 1, groups * t, keyLength);
            output = AttentionKernel.Compute(qg, k, v, allowed, true).view(b, _heads, t, _headDim);
        }
        else if (mask is null)
        {
            // Causal without a mask lets the attention kernel skip the blocks above the diagonal;
            // the kernel has no GQA, so each KV head is repeated for the query heads that share it.
            if (groups > 1)
            {
                k = k.repeat_interleave(groups, 1);
                v = v.repeat_interleave(groups, 1);
            }
            output = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true);
        }
        else if (groups == 1)
        {
            output = nn.functional.scaled_dot_product_attention(q, k, v, mask);
        }
        else
        {
            // Head h uses KV head h / groups: fold the group into the query axis.
            var qg = q.reshape(b, _kvHeads, groups * t, _headDim);
            // A single query row per head: its (B, 1, 1, S) mask already broadcasts over the folded axis.
            var mg = t == 1 ? mask : mask.unsqueeze(2).expand(b, 1, groups, t, keyLength).reshape(b, 1, groups * t, keyLength);
            output = nn.functional.scaled_dot_product_attention(qg, k, v, mg).view(b, _heads, t, _headDim);
        }
        var merged = output.transpose(1, 2).reshape(b, t, _heads * _headDim);
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Queries and keys side by side (B, T, (heads + kv_heads)·head_dim) and values (B, T, kv_heads·head_dim).
    /// For many rows the three projections run as one product over their concatenated weights (one large
    /// GEMM instead of three narrow ones; autograd splits the gradient back), while the parameters stay the
    /// checkpoint's q_proj / k_proj / v_proj. A decoding step has few rows, where copying the weights would
    /// cost more than it saves.
    /// </summary>
    private (Tensor QK, Tensor V) Project(Tensor x)
    {
        long rows = x.shape[0] * x.shape[1];
        // A LoRA update on any of the three needs each projection's own forward (the fused product has no adapter).
        if (rows < FuseFromRows || q_proj.HasActiveAdapter || k_proj.HasActiveAdapter || v_proj.HasActiveAdapter)
            return (cat([q_proj.forward(x), k_proj.forward(x)], -1), v_proj.forward(x));
        var weight = cat([q_proj.weight, k_proj.weight, v_proj.weight], 0);
        var bias = cat([q_proj.bias!, k_proj.bias!, v_proj.bias!], 0);
        var qkv = nn.functional.linear(x, weight, bias);
        // split, not two narrows: its backward is one concatenation instead of two zero-filled full-width gradients and their sum.
        var parts = qkv.split([(_heads + _kvHeads) * _headDim, _kvHeads * _headDim], -1);
        return (parts[0], parts[1]);
    }

    /// <summary>Rows (B·T) from which q/k/v run as one fused product.</summary>
    internal const long FuseFromRows = 64;
}
