using TorchSharp;
using TorchSharp.Modules;
using VisionR1.Model.Layers;
using VisionR1.Model.Text;
using Embedding = VisionR1.Model.Text.Embedding;
using static TorchSharp.torch;

namespace VisionR1.Model.Qwen3VL;

/// <summary>
/// <c>model.language_model</c>: token embedding, the Qwen3 decoder layers and the final norm. DeepStack: after decoder
/// layer k (k below the number of DeepStack features) the k-th visual feature is added to the hidden state at each visual position.
/// </summary>
internal sealed class TextModel : nn.Module<Tensor, Tensor>
{
    public Embedding embed_tokens;
    public ModuleList<DecoderLayer> layers;
    public RmsNorm norm;

    public TextModel(Qwen3VLTextConfig config, Device device, ScalarType dtype) : base(nameof(TextModel))
    {
        embed_tokens = new Embedding(config.VocabSize, config.HiddenSize, device, dtype);
        layers = new ModuleList<DecoderLayer>();
        for (int i = 0; i < config.NumHiddenLayers; i++) layers.Add(new DecoderLayer(config, device, dtype));
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => throw new NotSupportedException("Call Forward(embeds, cos, sin, mask, visual, deepstack).");

    /// <summary>Whether each decoder layer is checkpointed when gradients are on (set through <see cref="Qwen3VLModel.GradientCheckpointing"/>).</summary>
    internal bool CheckpointLayers;

    /// <summary>
    /// embeds: (B, T, D); cos and sign-folded sin (B, T, head_dim); allowed: (B, 1, T, S) bool, or null only for a single
    /// new token that attends to the whole cache; visualRows: the flat (B·T) indices of the visual positions in order, with
    /// <paramref name="deepstack"/> (each (visual positions, D)), or null. Returns the normed hidden states (B, T, D);
    /// advances the cache by T.
    /// </summary>
    public Tensor Forward(Tensor embeds, Tensor cos, Tensor signedSin, Tensor? allowed, Tensor? visualRows, IReadOnlyList<Tensor>? deepstack, KvCache? cache = null)
    {
        using var scope = NewDisposeScope();
        var c = cos.unsqueeze(1);
        var s = signedSin.unsqueeze(1);
        using var one = 1.ToScalar();
        var h = LayerStack.Run(embeds, layers.Count, (i, x) =>
        {
            var layer = layers[i];
            var y = CheckpointLayers && cache is null
                ? ActivationCheckpoint.Run(layer, a => layer.Forward(a[0]!, a[1]!, a[2]!, a[3], null, i), x, c, s, allowed)
                : layer.Forward(x, c, s, allowed, cache, i);
            if (visualRows is null || deepstack is null || i >= deepstack.Count) return y;
            return y.view(-1, y.shape[^1]).index_add(0, visualRows, deepstack[i].to_type(y.dtype), one).view(y.shape);
        });
        cache?.Advance(embeds.shape[1]);
        return norm.forward(h).MoveToOuterDisposeScope();
    }
}
