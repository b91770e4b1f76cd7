using static TorchSharp.torch;

namespace VisionR1.Model.Qwen3VL;

/// <summary>What <see cref="Qwen3VLModel.Forward"/> returns. Dispose it (or let a dispose scope take it).</summary>
/// <param name="Logits">(B, T, V) fp32 logits.</param>
/// <param name="HiddenStates">(B, T, D) final-norm hidden states in the model dtype.</param>
/// <param name="RopeDeltas">(B, 1) int64 M-RoPE deltas of the rows (max position + 1 − padded length).</param>
public sealed record Qwen3VLOutput(Tensor Logits, Tensor HiddenStates, Tensor RopeDeltas) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Logits.Dispose();
        HiddenStates.Dispose();
        RopeDeltas.Dispose();
    }
}
