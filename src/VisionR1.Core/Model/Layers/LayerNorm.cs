using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VisionR1.Model.Layers;

/// <summary>
/// <c>nn.LayerNorm</c> over the last dimension with HF's parameter names (<c>weight</c>, <c>bias</c>), as the Qwen3-VL
/// vision blocks and mergers use it; computed by libtorch's <c>layer_norm</c> in the input dtype, as transformers does.
/// </summary>
internal sealed class LayerNorm : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter bias;
    private readonly long _size;
    private readonly double _eps;

    public LayerNorm(long size, double eps, Device device, ScalarType dtype) : base(nameof(LayerNorm))
    {
        weight = new Parameter(empty([size], dtype, device));
        bias = new Parameter(empty([size], dtype, device));
        _size = size;
        _eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => nn.functional.layer_norm(input, [_size], weight, bias, _eps);
}
