using TorchSharp;
using VisionR1.Model.Config;
using VisionR1.Model.Layers;
using VisionR1.Model.Vision;
using static TorchSharp.torch;

namespace VisionR1.Model.Text;

/// <summary>
/// Grouped-query causal self-attention of a Qwen2 layer (q/k/v with bias, o_proj without),
/// with M-RoPE and an optional in-place KV cache. Keys and values are never repeated:
/// the query heads sharing a KV head are folded into the query length instead.
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

    public TextAttention(TextConfig config, Device device, ScalarType dtype) : base(nameof(TextAttention))
    {
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        q_proj = new Linear(config.HiddenSize, _heads * _headDim, true, device, dtype);
        k_proj = new Linear(config.HiddenSize, _kvHeads * _headDim, true, device, dtype);
        v_proj = new Linear(config.HiddenSize, _kvHeads * _headDim, true, device, dtype);
        o_proj = new Linear(_heads * _headDim, config.HiddenSize, false, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => throw new NotSupportedException("Call Forward(x, cos, sin, mask, cache, layer).");

    /// <summary>x: (B, T, D); cos/sin: (B, T, head_dim); mask: (B, 1, T, S) bool, True = attend.</summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor mask, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = q_proj.forward(x).view(b, t, _heads, _headDim).transpose(1, 2);
        var k = k_proj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        var v = v_proj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        var c = cos.unsqueeze(1);
        var s = sin.unsqueeze(1);
        q = q * c + VisionAttention.RotateHalf(q) * s;
        k = k * c + VisionAttention.RotateHalf(k) * s;
        if (cache is not null) (k, v) = cache.Write(layer, k, v);

        int groups = _heads / _kvHeads;
        long keyLength = k.shape[2];
        Tensor output;
        if (groups == 1)
        {
            output = nn.functional.scaled_dot_product_attention(q, k, v, mask);
        }
        else
        {
            // Head h uses KV head h / groups: fold the group into the query axis.
            var qg = q.reshape(b, _kvHeads, groups * t, _headDim);
            var mg = mask.unsqueeze(2).expand(b, 1, groups, t, keyLength).reshape(b, 1, groups * t, keyLength);
            output = nn.functional.scaled_dot_product_attention(qg, k, v, mg).view(b, _heads, t, _headDim);
        }
        var merged = output.transpose(1, 2).reshape(b, t, _heads * _headDim);
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }
}
