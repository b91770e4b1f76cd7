using TorchSharp;
using TorchSharp.Modules;
using VisionR1.Model.Config;
using VisionR1.Model.Layers;
using static TorchSharp.torch;

namespace VisionR1.Model.Text;

/// <summary><c>model</c>: token embedding, the Qwen2 decoder layers and the final norm.</summary>
internal sealed class TextModel : nn.Module<Tensor, Tensor>
{
    public Embedding embed_tokens;
    public ModuleList<DecoderLayer> layers;
    public RmsNorm norm;

    public TextModel(TextConfig config, Device device, ScalarType dtype) : base(nameof(TextModel))
    {
        embed_tokens = new Embedding(config.VocabSize, config.HiddenSize, device, dtype);
        layers = new ModuleList<DecoderLayer>();
        for (int i = 0; i < config.NumHiddenLayers; i++) layers.Add(new DecoderLayer(config, device, dtype));
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => throw new NotSupportedException("Call Forward(embeds, cos, sin, mask, cache).");

    /// <summary>Whether each decoder layer is checkpointed when gradients are on (set through <see cref="QwenVLModel.GradientCheckpointing"/>).</summary>
    internal bool CheckpointLayers;

    /// <summary>embeds: (B, T, D); cos and sign-folded sin (<see cref="MultimodalRotary.SignFoldedSin"/>) (B, T, head_dim); mask (B, 1, T, S) or null for plain causal attention. Returns the normed hidden states (B, T, D); advances the cache by T.</summary>
    public Tensor Forward(Tensor embeds, Tensor cos, Tensor signedSin, Tensor? mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        // (B, T, 1, head_dim): broadcast over the heads, shaped once for every layer.
        var c = cos.unsqueeze(2);
        var s = signedSin.unsqueeze(2);
        var h = LayerStack.Run(embeds, layers.Count, (i, x) =>
        {
            var layer = layers[i];
            return CheckpointLayers && cache is null
                ? ActivationCheckpoint.Run(layer, t => layer.Forward(t[0]!, t[1]!, t[2]!, t[3], null, i), x, c, s, mask)
                : layer.Forward(x, c, s, mask, cache, i);
        });
        cache?.Advance(embeds.shape[1]);
        return norm.forward(h).MoveToOuterDisposeScope();
    }
}

/// <summary>A token embedding table named <c>weight</c> [vocab, hidden].</summary>
internal sealed class Embedding : nn.Module<Tensor, Tensor>
{
    public Parameter weight;

    public Embedding(long vocab, long hidden, Device device, ScalarType dtype) : base(nameof(Embedding))
    {
        weight = new Parameter(empty([vocab, hidden], dtype, device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        var shape = ids.shape.Append(weight.shape[1]).ToArray();
        return weight.index_select(0, ids.reshape(-1)).view(shape).MoveToOuterDisposeScope();
    }
}
