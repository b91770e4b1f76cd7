using TorchSharp;
using TorchSharp.Utils;
using VisionR1.Model.Config;
using VisionR1.Model.Layers;
using static TorchSharp.torch;

namespace VisionR1.Model.Vision;

/// <summary>
/// <c>visual.merger</c>: RMSNorm <c>ln_q</c> per patch, each 2×2 block concatenated
/// (hidden·4), then Linear → exact GELU → Linear to the language model's width.
/// </summary>
internal sealed class PatchMerger : nn.Module<Tensor, Tensor>
{
    public RmsNorm ln_q;
    public MergerMlp mlp;
    private readonly long _merged;

    public PatchMerger(VisionConfig config, Device device, ScalarType dtype) : base(nameof(PatchMerger))
    {
        _merged = (long)config.HiddenSize * config.SpatialMergeUnit;
        ln_q = new RmsNorm(config.HiddenSize, 1e-6, device, dtype);
        mlp = new MergerMlp(_merged, config.OutHiddenSize, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return mlp.forward(ln_q.forward(x).view(-1, _merged)).MoveToOuterDisposeScope();
    }
}

/// <summary>The merger's Sequential(Linear, GELU, Linear), keyed "0" and "2" as in HF.</summary>
internal sealed class MergerMlp : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "0")]
    public Linear fc1;

    [ComponentName(Name = "2")]
    public Linear fc2;

    public MergerMlp(long merged, long outHidden, Device device, ScalarType dtype) : base(nameof(MergerMlp))
    {
        fc1 = new Linear(merged, merged, true, device, dtype);
        fc2 = new Linear(merged, outHidden, true, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return fc2.forward(nn.functional.gelu(fc1.forward(x))).MoveToOuterDisposeScope();
    }
}
