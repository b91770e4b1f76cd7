using TorchSharp;
using TorchSharp.Modules;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Model.Lora;

/// <summary>
/// The low-rank update of one linear layer: A [r, in] and B [out, r] in fp32 (PEFT keeps adapters of a bf16/fp16
/// base in fp32 too), added as (α / r) · dropout(x) Aᵀ Bᵀ, cast to the base output's dtype. Not a module: its
/// parameters stay out of the model's state dict and checkpoints; <see cref="LoraAdapters"/> owns them.
/// </summary>
internal sealed class LoraLayer : IDisposable
{
    private readonly LoraSwitch _switch;

    public LoraLayer(string name, long inFeatures, long outFeatures, LoraConfig config, LoraSwitch onOff, Device device, Generator generator)
    {
        Name = name;
        Scaling = config.Scaling;
        Dropout = config.Dropout;
        _switch = onOff;
        // kaiming_uniform_(a = √5) on [r, in]: gain √(2 / (1 + 5)), bound gain · √(3 / fan_in) = 1 / √in.
        double bound = 1.0 / Math.Sqrt(inFeatures);
        using (no_grad())
        {
            using var u = rand([config.Rank, inFeatures], ScalarType.Float32, device, generator: generator);
            using var scaled = Scalars.Mul(u, 2 * bound);
            A = new Parameter(Scalars.Sub(scaled, bound));
        }
        B = new Parameter(zeros([outFeatures, config.Rank], ScalarType.Float32, device));
    }

    /// <summary>The adapted layer's name in the model (e.g. <c>model.layers.0.self_attn.q_proj</c>).</summary>
    public string Name { get; }

    /// <summary>lora_A [r, in].</summary>
    public Parameter A { get; }

    /// <summary>lora_B [out, r].</summary>
    public Parameter B { get; }

    /// <summary>α / r.</summary>
    public double Scaling { get; }

    /// <summary>Dropout probability on the adapter's input in training mode.</summary>
    public double Dropout { get; }

    /// <summary>Whether the update takes part in forward passes (adapters switched on and not merged).</summary>
    public bool Active => _switch.Enabled;

    /// <summary><paramref name="baseOutput"/> + (α / r) · dropout(x) Aᵀ Bᵀ, in the base output's dtype.</summary>
    public Tensor AddTo(Tensor baseOutput, Tensor input, bool training)
    {
        using var scope = NewDisposeScope();
        var x = input.dtype == ScalarType.Float32 ? input : input.to_type(ScalarType.Float32);
        if (training && Dropout > 0) x = nn.functional.dropout(x, Dropout, true);
        var delta = nn.functional.linear(nn.functional.linear(x, A), B);
        if (delta.dtype != baseOutput.dtype) delta = delta.to_type(baseOutput.dtype);
        return Scalars.Add(baseOutput, delta, Scaling).MoveToOuterDisposeScope();
    }

    /// <summary>(α / r) · B A [out, in] in <paramref name="dtype"/>, without gradient.</summary>
    public Tensor DeltaWeight(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var delta = Scalars.Mul(B.matmul(A), Scaling);
        return (delta.dtype == dtype ? delta : delta.to_type(dtype)).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}

/// <summary>The on/off state shared by every layer of one adapter set.</summary>
internal sealed class LoraSwitch
{
    public bool Enabled { get; set; } = true;
}
