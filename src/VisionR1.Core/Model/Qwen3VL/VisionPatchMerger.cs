using TorchSharp;
using VisionR1.Model.Layers;
using static TorchSharp.torch;

namespace VisionR1.Model.Qwen3VL;

/// <summary>
/// <c>merger</c> and <c>deepstack_merger_list.{k}</c>: LayerNorm, each 2×2 block of patches concatenated (hidden·4), then
/// linear_fc1 → exact GELU → linear_fc2 to the language model's width. The main merger normalises each patch before the
/// concatenation; the DeepStack mergers normalise the concatenated block (<c>use_postshuffle_norm</c>).
/// </summary>
internal sealed class VisionPatchMerger : nn.Module<Tensor, Tensor>
{
    public LayerNorm norm;
    public Linear linear_fc1;
    public Linear linear_fc2;
    private readonly long _merged;
    private readonly bool _postShuffleNorm;

    public VisionPatchMerger(Qwen3VLVisionConfig config, bool postShuffleNorm, Device device, ScalarType dtype) : base(nameof(VisionPatchMerger))
    {
        _merged = (long)config.HiddenSize * config.SpatialMergeUnit;
        _postShuffleNorm = postShuffleNorm;
        norm = new LayerNorm(postShuffleNorm ? _merged : config.HiddenSize, 1e-6, device, dtype);
        linear_fc1 = new Linear(_merged, _merged, true, device, dtype);
        linear_fc2 = new Linear(_merged, config.OutHiddenSize, true, device, dtype);
        RegisterComponents();
    }

    /// <summary>x: (N, hidden) patches in merge-block order. Returns (N / merge_unit, out_hidden).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = _postShuffleNorm ? norm.forward(x.view(-1, _merged)) : norm.forward(x).view(-1, _merged);
        return linear_fc2.forward(nn.functional.gelu(linear_fc1.forward(h))).MoveToOuterDisposeScope();
    }
}
