using VisionR1.Runtime;
using VisionR1.Inputs;
using static TorchSharp.torch;

namespace VisionR1.Model;

/// <summary>
/// Per-token log-probabilities of given completions under a <see cref="QwenVLModel"/> of either family (what a trainer's loss and its π_old
/// need), computed from the model's hidden states with a chunked LM head so no (B, C, V) log-softmax is held.
/// </summary>
public static class QwenVLLogProbs
{
    /// <summary>
    /// Log-probabilities (and, if asked, entropies) of the completion tokens that end each row of
    /// <paramref name="sequences"/>: its ids are prompt (left-padded) followed by
    /// <paramref name="completionLength"/> completion tokens (right-padded, mask 0 after the end).
    /// Positions are computed over the whole prompt + completion. The LM head is applied in chunks
    /// of <paramref name="chunkSize"/> positions and only each position's chosen logit and
    /// log-sum-exp are kept, so no (B, C, V) log-softmax is materialised (the chunks' logits are
    /// still saved for backward when gradients are on). Values at padded completion positions are
    /// meaningless; mask them with the completion mask.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="sequences">Prompt + completion batch.</param>
    /// <param name="completionLength">C: the number of trailing columns that are completion tokens.</param>
    /// <param name="temperature">Logits are divided by it (grpo.md: log-probs on logits / sampling temperature).</param>
    /// <param name="computeEntropy">Also return the (detached) entropy per position.</param>
    /// <param name="chunkSize">Positions per LM-head chunk.</param>
    public static TokenLogProbs ComputeTokenLogProbs(this QwenVLModel model, MultimodalBatch sequences, int completionLength, double temperature = 1.0,
        bool computeEntropy = false, int chunkSize = 64)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sequences);
        long total = sequences.SequenceLength;
        if (completionLength < 1 || completionLength >= total)
            throw new ArgumentOutOfRangeException(nameof(completionLength), $"Completion length {completionLength} must be in 1..{total - 1} (the sequence has {total} columns).");
        if (temperature <= 0) throw new ArgumentOutOfRangeException(nameof(temperature), "Temperature must be positive.");
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);

        using var scope = NewDisposeScope();
        // Completion columns are text even if a sampled token happens to be <|image_pad|>.
        using var output = model.ForwardForScoring(sequences, checked((int)(total - completionLength)));
        var hidden = output.HiddenStates.narrow(1, total - completionLength - 1, completionLength);
        var targets = sequences.InputIds.to(model.Device).narrow(1, total - completionLength, completionLength);
        var logProbs = new List<Tensor>();
        var entropies = new List<Tensor>();
        for (long start = 0; start < completionLength; start += chunkSize)
        {
            long len = Math.Min(chunkSize, completionLength - start);
            var logits = model.Logits(hidden.narrow(1, start, len));
            if (temperature != 1.0) logits = Scalars.Div(logits, temperature);
            var lse = logits.logsumexp(-1, keepdim: false);
            var chosen = logits.gather(-1, targets.narrow(1, start, len).unsqueeze(-1)).squeeze(-1);
            logProbs.Add(chosen - lse);
            if (computeEntropy)
            {
                using var _ = no_grad();
                var d = logits.detach();
                var l = lse.detach();
                var p = (d - l.unsqueeze(-1)).exp();
                entropies.Add(l - (p * d).sum(-1));
            }
        }
        var lp = cat(logProbs, 1).MoveToOuterDisposeScope();
        var ent = computeEntropy ? cat(entropies, 1).MoveToOuterDisposeScope() : null;
        return new TokenLogProbs(lp, ent);
    }

    /// <summary>
    /// Log-probabilities (and optionally entropies) of the completion tokens of a
    /// <see cref="CompletionBatch"/> (from <c>MultimodalCollator.CollateCompletions</c> or
    /// <see cref="Generation.CompletionBatchBuilder.FromGeneration"/>): (B, C) for the columns
    /// from <see cref="CompletionBatch.PromptLength"/> on; mask them with
    /// <c>CompletionMask[:, PromptLength:]</c>.
    /// </summary>
    public static TokenLogProbs ComputeTokenLogProbs(this QwenVLModel model, CompletionBatch batch, double temperature = 1.0, bool computeEntropy = false, int chunkSize = 64)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batch);
        return model.ComputeTokenLogProbs(batch.Inputs, batch.CompletionLength, temperature, computeEntropy, chunkSize);
    }
}
