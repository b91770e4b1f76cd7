using VisionR1.Runtime;
using TorchSharp;
using VisionR1.Model.Config;
using VisionR1.Model.Layers;
using static TorchSharp.torch;

namespace VisionR1.Model.Vision;

/// <summary>One pre-norm vision block: x += attn(norm1(x)); x += mlp(norm2(x)).</summary>
internal sealed class VisionBlock : nn.Module<Tensor, Tensor>
{
    public RmsNorm norm1;
    public RmsNorm norm2;
    public VisionAttention attn;
    public SwiGluMlp mlp;

    public VisionBlock(VisionConfig config, Device device, ScalarType dtype) : base(nameof(VisionBlock))
    {
        norm1 = new RmsNorm(config.HiddenSize, 1e-6, device, dtype);
        norm2 = new RmsNorm(config.HiddenSize, 1e-6, device, dtype);
        attn = new VisionAttention(config.HiddenSize, config.NumHeads, device, dtype);
        mlp = new SwiGluMlp(config.HiddenSize, config.IntermediateSize, true, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => throw new NotSupportedException("Call Forward(x, cos, sin, plan).");

    /// <summary>cos and sign-folded sin as <see cref="VisionAttention.Forward"/> takes them.</summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor signedSin, SegmentAttentionPlan plan)
    {
        using var scope = NewDisposeScope();
        var h = Scalars.Add(x, attn.Forward(norm1.forward(x), cos, signedSin, plan));
        return Scalars.Add(h, mlp.forward(norm2.forward(h))).MoveToOuterDisposeScope();
    }
}
