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

    /// <summary>
    /// embeds: (B, T, D); cos and sign-folded sin (B, T, head_dim); allowed: (B, 1, T, T) bool; visualRows: the flat (B·T)
    /// indices of the visual positions in order, with <paramref name="deepstack"/> (each (visual positions, D)), or null.
    /// Returns the normed hidden states (B, T, D).
    /// </summary>
    public Tensor Forward(Tensor embeds, Tensor cos, Tensor signedSin, Tensor allowed, Tensor? visualRows, IReadOnlyList<Tensor>? deepstack)
    {
        using var scope = NewDisposeScope();
        var c = cos.unsqueeze(1);
        var s = signedSin.unsqueeze(1);
        var h = embeds;
        using var one = 1.ToScalar();
        for (int i = 0; i < layers.Count; i++)
        {
            h = layers[i].Forward(h, c, s, allowed);
            if (visualRows is not null && deepstack is not null && i < deepstack.Count)
                h = h.view(-1, h.shape[^1]).index_add(0, visualRows, deepstack[i].to_type(h.dtype), one).view(h.shape);
        }
        return norm.forward(h).MoveToOuterDisposeScope();
    }
}
