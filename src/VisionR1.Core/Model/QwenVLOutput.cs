using static TorchSharp.torch;

namespace VisionR1.Model;

/// <summary>What <see cref="QwenVLModel.Forward(Tensor, Tensor, Tensor?, Tensor?, KvCache?, LogitsMode)"/> returns (either family). Dispose it (or let a dispose scope take it).</summary>
/// <param name="Logits">fp32 logits: (B, T, V) for <see cref="LogitsMode.All"/>, (B, V) for <see cref="LogitsMode.LastPosition"/>, null for <see cref="LogitsMode.None"/>.</param>
/// <param name="HiddenStates">(B, T, D) final-norm hidden states in the model dtype.</param>
/// <param name="RopeDeltas">(B, 1) int64 M-RoPE deltas of the rows.</param>
public sealed record QwenVLOutput(Tensor? Logits, Tensor HiddenStates, Tensor RopeDeltas) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Logits?.Dispose();
        HiddenStates.Dispose();
        RopeDeltas.Dispose();
    }
}

/// <summary>Which logits a forward computes.</summary>
public enum LogitsMode
{
    /// <summary>Every position: (B, T, V).</summary>
    All,

    /// <summary>Only the last position, as generation needs: (B, V).</summary>
    LastPosition,

    /// <summary>None; only hidden states (for chunked log-probabilities).</summary>
    None,
}

/// <summary>Per-token log-probabilities (and optionally entropies) of given completion tokens. Dispose it.</summary>
/// <param name="LogProbs">(B, C) fp32 log p(token) under logits / temperature; differentiable.</param>
/// <param name="Entropy">(B, C) fp32 entropy of the same distribution, detached (for logging), or null when not asked for.</param>
public sealed record TokenLogProbs(Tensor LogProbs, Tensor? Entropy) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        LogProbs.Dispose();
        Entropy?.Dispose();
    }
}
