using VisionR1.Runtime;
using TorchSharp;
using VisionR1.Model.Layers;
using static TorchSharp.torch;

namespace VisionR1.Model.Vision;

/// <summary>Non-causal multi-head attention of a vision block: fused <c>qkv</c> with bias, 2-D rotary, <c>proj</c> with bias.</summary>
internal sealed class VisionAttention : nn.Module<Tensor, Tensor>
{
    public Linear qkv;
    public Linear proj;
    private readonly int _heads;

    public VisionAttention(long hidden, int heads, Device device, ScalarType dtype) : base(nameof(VisionAttention))
    {
        qkv = new Linear(hidden, hidden * 3, true, device, dtype);
        proj = new Linear(hidden, hidden, true, device, dtype);
        _heads = heads;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => throw new NotSupportedException("Call Forward(x, cos, sin, plan).");

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, SegmentAttentionPlan plan)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        var parts = qkv.forward(x).view(n, 3, _heads, -1).unbind(1);
        var q = ApplyRotary(parts[0], cos, sin);
        var k = ApplyRotary(parts[1], cos, sin);
        var o = plan.Attend(q, k, parts[2]);
        return proj.forward(o).MoveToOuterDisposeScope();
    }

    /// <summary>x: (N, heads, head_dim); cos/sin: (N, head_dim) fp32. Rotation computed in fp32, result in x's dtype.</summary>
    internal static Tensor ApplyRotary(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var xf = x.to_type(ScalarType.Float32);
        var c = cos.unsqueeze(-2);
        var s = sin.unsqueeze(-2);
        var rotated = Scalars.Add(xf * c, RotateHalf(xf) * s);
        return rotated.to_type(x.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>(x1, x2) → (−x2, x1) over the last dimension's halves.</summary>
    internal static Tensor RotateHalf(Tensor x)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        return cat([x2.neg(), x1], -1).MoveToOuterDisposeScope();
    }
}
