using VisionR1.Runtime;
using static TorchSharp.torch;
using TorchGenerator = TorchSharp.torch.Generator;

namespace VisionR1.Model.Generation;

/// <summary>Chooses the next token of each row from fp32 logits: greedy, or temperature + top-k + top-p sampling.</summary>
internal static class TokenSampler
{
    /// <summary>logits: (N, V) fp32. Returns the chosen ids (N) int64 and their log-probabilities (N) fp32.</summary>
    /// <param name="logits">(N, V) fp32 logits.</param>
    /// <param name="options">Sampling options.</param>
    /// <param name="generator">Seeded random source.</param>
    /// <param name="suppress">(S) int64 ids never chosen, or null.</param>
    public static (Tensor Tokens, Tensor LogProbs) Sample(Tensor logits, GenerationOptions options, TorchGenerator generator, Tensor? suppress)
    {
        using var scope = NewDisposeScope();
        Tensor tokens;
        Tensor logProbs;
        Tensor Suppressed(Tensor x) => suppress is null ? x : Scalars.IndexFill(x, -1, suppress, double.NegativeInfinity);
        if (options.Greedy)
        {
            tokens = Suppressed(logits).argmax(-1);
            logProbs = logits.log_softmax(-1);
        }
        else
        {
            var scaled = Scalars.Div(logits, options.Temperature);
            logProbs = scaled.log_softmax(-1);
            var filtered = Suppressed(scaled);
            long vocab = scaled.shape[^1];
            if (options.TopK > 0 && options.TopK < vocab)
            {
                var kth = filtered.topk(options.TopK, -1).values.narrow(-1, options.TopK - 1, 1);
                filtered = Scalars.MaskedFill(filtered, filtered.lt(kth), double.NegativeInfinity);
            }
            if (options.TopP < 1.0)
            {
                var (sorted, order) = filtered.sort(-1, descending: true);
                var probs = sorted.softmax(-1);
                var before = probs.cumsum(-1).sub(probs); // mass strictly above each token
                var drop = Scalars.GreaterEqual(before, options.TopP);    // keep the smallest prefix reaching TopP; the first token always stays
                var dropInVocabOrder = zeros_like(drop).scatter(-1, order, drop);
                filtered = Scalars.MaskedFill(filtered, dropInVocabOrder, double.NegativeInfinity);
            }
            tokens = filtered.softmax(-1).multinomial(1, generator: generator).squeeze(-1);
        }
        var chosen = logProbs.gather(-1, tokens.unsqueeze(-1)).squeeze(-1);
        return (tokens.MoveToOuterDisposeScope(), chosen.MoveToOuterDisposeScope());
    }
}
