using TorchSharp;
using TorchSharp.Modules;
using VisionR1.Model.Config;
using static TorchSharp.torch;

namespace VisionR1.Model.Vision;

/// <summary>
/// <c>visual.patch_embed</c>: HF's Conv3d(kernel = stride = (2, 14, 14), no bias) over one
/// flattened patch, computed as a Linear over its 1176 values (the weight keeps the Conv3d
/// shape [hidden, channels, temporal, patch, patch] so checkpoints load unchanged).
/// </summary>
internal sealed class PatchEmbed : nn.Module<Tensor, Tensor>
{
    public Conv3dWeight proj;

    public PatchEmbed(VisionConfig config, Device device, ScalarType dtype)
        : this(config.HiddenSize, config.InChannels, config.TemporalPatchSize, config.PatchSize, false, device, dtype)
    {
    }

    /// <summary>A patch embedding of any width and patch shape, with or without the Conv3d's bias (Qwen3-VL has one).</summary>
    public PatchEmbed(long hidden, long channels, long temporal, long patch, bool bias, Device device, ScalarType dtype) : base(nameof(PatchEmbed))
    {
        proj = new Conv3dWeight([hidden, channels, temporal, patch, patch], bias, device, dtype);
        RegisterComponents();
    }

    /// <summary>patches: (N, channels·temporal·patch²) in (channel, frame, row, column) order.</summary>
    public override Tensor forward(Tensor patches)
    {
        using var scope = NewDisposeScope();
        var w = proj.weight.view(proj.weight.shape[0], -1);
        return nn.functional.linear(patches.to_type(w.dtype), w, proj.bias).MoveToOuterDisposeScope();
    }
}

/// <summary>Holds the Conv3d-shaped weight of the patch embedding and its optional bias [hidden].</summary>
internal sealed class Conv3dWeight : nn.Module
{
    public Parameter weight;
    public Parameter? bias;

    public Conv3dWeight(long[] shape, bool hasBias, Device device, ScalarType dtype) : base(nameof(Conv3dWeight))
    {
        weight = new Parameter(empty(shape, dtype, device));
        bias = hasBias ? new Parameter(empty([shape[0]], dtype, device)) : null;
        RegisterComponents();
    }
}
