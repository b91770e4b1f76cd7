using TorchSharp;
using VisionR1.Model.Layers;
using static TorchSharp.torch;

namespace VisionR1.Model.Qwen3VL;

/// <summary><c>blocks.{i}.mlp</c>: linear_fc2(act(linear_fc1(x))) with biases; act is the tanh-approximated GELU of the released models or the exact one.</summary>
internal sealed class VisionMlp : nn.Module<Tensor, Tensor>
{
    public Linear linear_fc1;
    public Linear linear_fc2;
    private readonly bool _tanh;

    public VisionMlp(Qwen3VLVisionConfig config, Device device, ScalarType dtype) : base(nameof(VisionMlp))
    {
        linear_fc1 = new Linear(config.HiddenSize, config.IntermediateSize, true, device, dtype);
        linear_fc2 = new Linear(config.IntermediateSize, config.HiddenSize, true, device, dtype);
        _tanh = config.HiddenAct == "gelu_pytorch_tanh";
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var h = linear_fc1.forward(input);
        h = _tanh ? h.gelu(TorchSharp.Modules.GELU.Approximate.tanh) : nn.functional.gelu(h);
        return linear_fc2.forward(h).MoveToOuterDisposeScope();
    }
}
