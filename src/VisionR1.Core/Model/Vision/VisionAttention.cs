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

    /// <summary>
    /// x: (N, hidden); cos and sign-folded sin (<see cref="Text.MultimodalRotary.SignFoldedSin"/>): (N, 1, 1, head_dim) fp32.
    /// q and k rotate together in fp32 (as transformers does) with one roll: rotate_half(x)·sin = roll(x, head_dim/2)·signed sin.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor signedSin, SegmentAttentionPlan plan)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        // split, not slices: its backward is one concatenation.
        var parts = qkv.forward(x).view(n, 3, _heads, -1).split([2, 1], 1);
        var qk = parts[0].to_type(ScalarType.Float32); // (N, 2, heads, head_dim)
        using (var one = 1.ToScalar()) qk = (qk * cos).addcmul_(qk.roll(qk.shape[^1] / 2, -1), signedSin, one);
        var rotated = qk.to_type(x.dtype);
        var o = plan.Attend(rotated.select(1, 0), rotated.select(1, 1), parts[1].squeeze(1));
        return proj.forward(o).MoveToOuterDisposeScope();
    }
}
