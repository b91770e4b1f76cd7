using VisionR1.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Loss;

/// <summary>The supervised loss on assistant tokens only: negative log-likelihood summed over the masked tokens, divided by a token count.</summary>
public static class SftLoss
{
    /// <summary>
    /// For per-token log-probs (B, L) and a mask (B, L) returns Σ mask · (−log p) / <paramref name="tokenCount"/>
    /// (by default the mask's sum; pass the whole step's count when accumulating micro-batches).
    /// </summary>
    public static Tensor Compute(Tensor tokenLogProbs, Tensor mask, double? tokenCount = null)
    {
        ArgumentNullException.ThrowIfNull(tokenLogProbs);
        ArgumentNullException.ThrowIfNull(mask);
        if (!mask.shape.SequenceEqual(tokenLogProbs.shape))
            throw new ArgumentException($"The mask [{string.Join(", ", mask.shape)}] does not match the log-probs [{string.Join(", ", tokenLogProbs.shape)}].", nameof(mask));
        using var scope = NewDisposeScope();
        var m = mask.to_type(tokenLogProbs.dtype);
        double denominator = tokenCount ?? m.sum().ToDouble();
        return Scalars.Div(-(tokenLogProbs * m).sum(), Math.Max(denominator, 1.0)).MoveToOuterDisposeScope();
    }
}
