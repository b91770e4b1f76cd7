using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VisionR1.Model.Layers;

/// <summary>
/// y = x Wᵀ + b with HF's parameter names (<c>weight</c> [out, in], optional <c>bias</c>).
/// Weights are created uninitialised (<c>torch.empty</c>) so loading a checkpoint
/// never pays for a random initialisation; see <c>QwenVLModel.InitializeWeights</c>.
/// </summary>
internal sealed class Linear : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter? bias;

    public Linear(long inFeatures, long outFeatures, bool hasBias, Device device, ScalarType dtype) : base(nameof(Linear))
    {
        weight = new Parameter(empty([outFeatures, inFeatures], dtype, device));
        bias = hasBias ? new Parameter(empty([outFeatures], dtype, device)) : null;
        RegisterComponents();
    }

    /// <summary>A LoRA update added to the output while it is active (set by <see cref="Lora.LoraAdapters"/>; not a registered submodule).</summary>
    internal Lora.LoraLayer? Adapter;

    /// <summary>Whether a LoRA update takes part in the forward pass.</summary>
    internal bool HasActiveAdapter => Adapter is { Active: true };

    public override Tensor forward(Tensor input)
    {
        if (!HasActiveAdapter) return nn.functional.linear(input, weight, bias);
        using var scope = NewDisposeScope();
        return Adapter!.AddTo(nn.functional.linear(input, weight, bias), input, training).MoveToOuterDisposeScope();
    }
}
