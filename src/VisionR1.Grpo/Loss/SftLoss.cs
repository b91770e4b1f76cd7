using TorchSharp;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Loss;

/// <summary>The supervised loss on assistant tokens only: negative log-likelihood summed over the masked targets, divided by a token count.</summary>
public static class SftLoss
{
    /// <summary>
    /// For logits (B, L, V) predicting targets (B, L) and a mask (B, L) returns Σ mask · (−log p(target)) / <paramref name="tokenCount"/>
    /// (by default the mask's sum; pass the whole step's count when accumulating micro-batches).
    /// </summary>
    public static Tensor Compute(Tensor logits, Tensor targets, Tensor mask, double? tokenCount = null)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (!mask.shape.SequenceEqual(targets.shape))
            throw new ArgumentException($"The mask [{string.Join(", ", mask.shape)}] does not match the targets [{string.Join(", ", targets.shape)}].", nameof(mask));
        using var scope = NewDisposeScope();
        var (logp, _) = TokenLogProbs.Compute(logits, targets);
        var m = mask.to_type(logp.dtype);
        double denominator = tokenCount ?? m.sum().ToDouble();
        return (-(logp * m).sum() / Math.Max(denominator, 1.0)).MoveToOuterDisposeScope();
    }
}
