using VisionR1.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VisionR1.Model.Layers;

/// <summary>
/// Root-mean-square norm as Qwen2 computes it: statistics in fp32 whatever the weight dtype,
/// the normalised value cast back to the input dtype, then scaled by <c>weight</c>.
/// </summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    private readonly double _eps;

    public RmsNorm(long size, double eps, Device device, ScalarType dtype) : base(nameof(RmsNorm))
    {
        weight = new Parameter(empty([size], dtype, device));
        _eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        bool fp32 = input.dtype == ScalarType.Float32;
        var x = fp32 ? input : input.to_type(ScalarType.Float32);
        var variance = Scalars.Square(x).mean([-1], keepdim: true);
        var normed = x * Scalars.Add(variance, _eps).rsqrt();
        if (!fp32) normed = normed.to_type(input.dtype);
        return (weight * normed).MoveToOuterDisposeScope();
    }
}
