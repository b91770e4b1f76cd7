using VisionR1.Runtime;
using TorchSharp;
using VisionR1.Model.Layers;
using static TorchSharp.torch;

namespace VisionR1.Model.Qwen3VL;

/// <summary><c>layers.{i}</c>: x += self_attn(input_layernorm(x)); x += mlp(post_attention_layernorm(x)).</summary>
internal sealed class DecoderLayer : nn.Module<Tensor, Tensor>
{
    public TextAttention self_attn;
    public SwiGluMlp mlp;
    public RmsNorm input_layernorm;
    public RmsNorm post_attention_layernorm;

    public DecoderLayer(Qwen3VLTextConfig config, Device device, ScalarType dtype) : base(nameof(DecoderLayer))
    {
        self_attn = new TextAttention(config, device, dtype);
        mlp = new SwiGluMlp(config.HiddenSize, config.IntermediateSize, false, device, dtype);
        input_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => throw new NotSupportedException("Call Forward(x, cos, sin, mask, cache, layer).");

    /// <summary>As <see cref="TextAttention.Forward"/>.</summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor signedSin, Tensor? allowed, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        var h = Scalars.Add(x, self_attn.Forward(input_layernorm.forward(x), cos, signedSin, allowed, cache, layer));
        return Scalars.Add(h, mlp.forward(post_attention_layernorm.forward(h))).MoveToOuterDisposeScope();
    }
}
