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

    /// <summary>Rows from which gate and up run as one fused product (fewer rows: copying the weights costs more than it saves).</summary>
    internal const long FuseFromRows = 64;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor gate, up;
        long rows = input.numel() / input.shape[^1];
        if (rows < FuseFromRows)
        {
            gate = gate_proj.forward(input);
            up = up_proj.forward(input);
        }
        else
        {
            // One product over the concatenated gate/up weights (parameters keep their checkpoint names).
            var weight = cat([gate_proj.weight, up_proj.weight], 0);
            var bias = gate_proj.bias is null ? null : cat([gate_proj.bias, up_proj.bias!], 0);
            var both = nn.functional.linear(input, weight, bias);
            long width = gate_proj.weight.shape[0];
            gate = both.narrow(-1, 0, width);
            up = both.narrow(-1, width, width);
        }
        var h = nn.functional.silu(gate) * up;
        return down_proj.forward(h).MoveToOuterDisposeScope();
    }
}
