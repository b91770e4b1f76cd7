using TorchSharp;
using static TorchSharp.torch;

namespace VisionR1.Model.Layers;

/// <summary>down(silu(gate(x)) · up(x)); the vision blocks use biases, the language model does not.</summary>
internal sealed class SwiGluMlp : nn.Module<Tensor, Tensor>
{
    public Linear gate_proj;
    public Linear up_proj;
    public Linear down_proj;

    public SwiGluMlp(long hidden, long intermediate, bool bias, Device device, ScalarType dtype) : base(nameof(SwiGluMlp))
    {
        gate_proj = new Linear(hidden, intermediate, bias, device, dtype);
        up_proj = new Linear(hidden, intermediate, bias, device, dtype);
        down_proj = new Linear(intermediate, hidden, bias, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.silu(gate_proj.forward(input)) * up_proj.forward(input);
        return down_proj.forward(h).MoveToOuterDisposeScope();
    }
}
