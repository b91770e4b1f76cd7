using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Loss;

/// <summary>Log-probabilities (and entropies) of chosen tokens from logits, at a sampling temperature.</summary>
public static class LogitLogProbs
{
    /// <summary>
    /// For logits (B, L, V) and targets (B, L) returns log softmax(logits / T) at the targets, (B, L), and,
    /// when asked, the entropy of each softmax(logits / T), (B, L). Float64 logits stay float64; anything else is
    /// computed in float32 (so bf16 logits lose no precision in the loss).
    /// </summary>
    public static (Tensor LogProbs, Tensor? Entropy) Compute(Tensor logits, Tensor targets, double temperature = 1.0, bool withEntropy = false)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be > 0.");
        if (logits.dim() != 3 || targets.dim() != 2 || logits.shape[0] != targets.shape[0] || logits.shape[1] != targets.shape[1])
            throw new ArgumentException($"Expected logits (B, L, V) and targets (B, L); got [{string.Join(", ", logits.shape)}] and [{string.Join(", ", targets.shape)}].");
        using var scope = NewDisposeScope();
        var x = logits.dtype == ScalarType.Float64 ? logits : logits.to_type(ScalarType.Float32);
        if (temperature != 1.0) x = Scalars.Div(x, temperature);
        var lsm = x.log_softmax(-1);
        var logp = lsm.gather(-1, targets.to_type(ScalarType.Int64).unsqueeze(-1)).squeeze(-1);
        Tensor? entropy = null;
        if (withEntropy)
        {
            using var _ = no_grad();
            entropy = -(lsm.exp() * lsm).sum(-1);
            entropy.MoveToOuterDisposeScope();
        }
        return (logp.MoveToOuterDisposeScope(), entropy);
    }
}
