using static TorchSharp.torch;

namespace VisionR1.Grpo.Loss;

/// <summary>
/// The normalisers of the aggregation, taken over a whole optimisation batch. When the batch is
/// split into micro-batches whose gradients are accumulated, pass the whole batch's denominator
/// to every micro-batch: the accumulated gradient then equals the gradient of the whole batch.
/// </summary>
/// <param name="TokenCount">Σ of the completion mask over the batch (token mean).</param>
/// <param name="SequenceCount">Number of completions in the batch (per-sequence mean, Dr.GRPO).</param>
/// <param name="MaxCompletionLength">L_max of Dr.GRPO: the completion-length cap.</param>
public sealed record LossDenominator(double TokenCount, int SequenceCount, int MaxCompletionLength)
{
    /// <summary>The denominator of a batch given by its mask alone; L_max defaults to the mask's padded width.</summary>
    public static LossDenominator For(Tensor completionMask, int? maxCompletionLength = null)
    {
        ArgumentNullException.ThrowIfNull(completionMask);
        if (completionMask.dim() != 2) throw new ArgumentException($"The completion mask must be (B, L); got {completionMask.dim()} dimensions.", nameof(completionMask));
        using var _ = no_grad();
        using var sum = completionMask.to_type(ScalarType.Float64).sum();
        return new LossDenominator(sum.item<double>(), (int)completionMask.shape[0], maxCompletionLength ?? (int)completionMask.shape[1]);
    }
}
