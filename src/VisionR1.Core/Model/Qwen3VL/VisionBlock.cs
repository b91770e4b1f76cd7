using VisionR1.Runtime;
using TorchSharp;
using VisionR1.Model.Layers;
using VisionR1.Model.Vision;
using static TorchSharp.torch;

namespace VisionR1.Model.Qwen3VL;

/// <summary><c>blocks.{i}</c>: x += attn(norm1(x)); x += mlp(norm2(x)), LayerNorms, attention over whole frames.</summary>
internal sealed class VisionBlock : nn.Module<Tensor, Tensor>
{
    public LayerNorm norm1;
    public LayerNorm norm2;
    public VisionAttention attn;
    public VisionMlp mlp;

    public VisionBlock(Qwen3VLVisionConfig config, Device device, ScalarType dtype) : base(nameof(VisionBlock))
    {
        norm1 = new LayerNorm(config.HiddenSize, 1e-6, device, dtype);
        norm2 = new LayerNorm(config.HiddenSize, 1e-6, device, dtype);
        attn = new VisionAttention(config.HiddenSize, config.NumHeads, device, dtype);
        mlp = new VisionMlp(config, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => throw new NotSupportedException("Call Forward(x, cos, sin, plan).");

    /// <summary>cos and sign-folded sin as <see cref="VisionAttention.Forward"/> takes them; <paramref name="frames"/> one segment per frame.</summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor signedSin, SegmentAttentionPlan frames)
    {
        using var scope = NewDisposeScope();
        var h = Scalars.Add(x, attn.Forward(norm1.forward(x), cos, signedSin, frames));
        return Scalars.Add(h, mlp.forward(norm2.forward(h))).MoveToOuterDisposeScope();
    }
}
