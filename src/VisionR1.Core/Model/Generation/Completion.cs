namespace VisionR1.Model.Generation;

/// <summary>One generated completion.</summary>
/// <param name="PromptIndex">Row of the prompt in the batch.</param>
/// <param name="SampleIndex">Which of the prompt's samples (0 … samplesPerPrompt − 1).</param>
/// <param name="TokenIds">Generated ids, including the stop token when <see cref="FinishReason"/> is Stop.</param>
/// <param name="LogProbs">Log-probability of each generated token under softmax(logits / temperature) (raw logits when greedy), before top-k/top-p truncation.</param>
/// <param name="FinishReason">Stop or length.</param>
public sealed record Completion(int PromptIndex, int SampleIndex, IReadOnlyList<int> TokenIds, IReadOnlyList<float> LogProbs, FinishReason FinishReason);

/// <summary>What <see cref="CompletionGenerator.Generate"/> returns: completions ordered prompt-major (prompt i, sample j at i·G + j).</summary>
/// <param name="Completions">The completions.</param>
/// <param name="PromptLength">Padded prompt length T.</param>
/// <param name="Elapsed">Wall time including the prefill.</param>
public sealed record GenerationResult(IReadOnlyList<Completion> Completions, int PromptLength, TimeSpan Elapsed)
{
    /// <summary>Generated tokens over all completions.</summary>
    public int GeneratedTokens => Completions.Sum(c => c.TokenIds.Count);

    /// <summary>Generated tokens per second of wall time.</summary>
    public double TokensPerSecond => Elapsed.TotalSeconds > 0 ? GeneratedTokens / Elapsed.TotalSeconds : 0;

    /// <summary>
    /// The completions as right-padded (N, L) int64 ids and mask (L = the longest completion),
    /// ready to append to the prompts (see <see cref="CompletionBatchBuilder.FromGeneration"/>).
    /// </summary>
    public (TorchSharp.torch.Tensor Ids, TorchSharp.torch.Tensor Mask) ToPaddedTensors(int padTokenId)
    {
        int n = Completions.Count;
        int l = Math.Max(1, Completions.Max(c => c.TokenIds.Count));
        var ids = new long[n * l];
        var mask = new long[n * l];
        Array.Fill(ids, padTokenId);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < Completions[i].TokenIds.Count; j++)
            {
                ids[i * l + j] = Completions[i].TokenIds[j];
                mask[i * l + j] = 1;
            }
        return (TorchSharp.torch.tensor(ids).view(n, l), TorchSharp.torch.tensor(mask).view(n, l));
    }
}

/// <summary>One streamed token.</summary>
/// <param name="TokenId">The token.</param>
/// <param name="LogProb">Its log-probability (as in <see cref="Completion.LogProbs"/>).</param>
/// <param name="FinishReason">Set on the last token of the completion.</param>
public sealed record GeneratedToken(int TokenId, float LogProb, FinishReason? FinishReason);
