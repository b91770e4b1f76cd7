using TorchSharp;
using VisionR1.Model.Layers;
using static TorchSharp.torch;

namespace VisionR1.Model.Qwen3VL;

/// <summary>
/// <c>layers.{i}.self_attn</c> of the Qwen3 decoder: grouped-query causal attention whose queries and keys are normalised
/// per head (RMSNorm <c>q_norm</c>, <c>k_norm</c> over head_dim) before the rotary embedding; projections without bias in the
/// released models (<c>attention_bias</c>).
/// </summary>
internal sealed class TextAttention : nn.Module<Tensor, Tensor>
{
    public Linear q_proj;
    public Linear k_proj;
    public Linear v_proj;
    public Linear o_proj;
    public RmsNorm q_norm;
    public RmsNorm k_norm;
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;

    public TextAttention(Qwen3VLTextConfig config, Device device, ScalarType dtype) : base(nameof(TextAttention))
    {
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        q_proj = new Linear(config.HiddenSize, _heads * _headDim, config.AttentionBias, device, dtype);
        k_proj = new Linear(config.HiddenSize, _kvHeads * _headDim, config.AttentionBias, device, dtype);
        v_proj = new Linear(config.HiddenSize, _kvHeads * _headDim, config.AttentionBias, device, dtype);
        o_proj = new Linear(_heads * _headDim, config.HiddenSize, config.AttentionBias, device, dtype);
        q_norm = new RmsNorm(_headDim, config.RmsNormEps, device, dtype);
        k_norm = new RmsNorm(_headDim, config.RmsNormEps, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => throw new NotSupportedException("Call Forward(x, cos, sin, mask).");

    /// <summary>
    /// x: (B, T, D); cos, signedSin: (B, 1, T, head_dim), signedSin = sin with its first half negated (rotate_half(x)·sin =
    /// roll(x, head_dim/2)·signedSin); allowed: (B, 1, T, S) bool, True = attend, or null when every query attends to every
    /// key (a single new token after an unpadded prompt). With <paramref name="cache"/> the rotated keys and the values are
    /// written into it at its current length and attention runs over everything it holds (S = cache length + T).
    /// </summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor signedSin, Tensor? allowed, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = q_norm.forward(q_proj.forward(x).view(b, t, _heads, _headDim)).transpose(1, 2);
        var k = k_norm.forward(k_proj.forward(x).view(b, t, _kvHeads, _headDim)).transpose(1, 2);
        var v = v_proj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        q = (q * cos) + (q.roll(_headDim / 2, -1) * signedSin);
        k = (k * cos) + (k.roll(_headDim / 2, -1) * signedSin);
        if (cache is not null) (k, v) = cache.Write(layer, k, v);
        int groups = _heads / _kvHeads;
        if (groups > 1)
        {
            k = k.repeat_interleave(groups, 1);
            v = v.repeat_interleave(groups, 1);
        }
        var o = AttentionKernel.Compute(q, k, v, allowed);
        return o_proj.forward(o.transpose(1, 2).reshape(b, t, _heads * _headDim)).MoveToOuterDisposeScope();
    }
}
