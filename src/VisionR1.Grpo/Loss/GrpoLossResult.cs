using static TorchSharp.torch;

namespace VisionR1.Grpo.Loss;

/// <summary>The scalar loss (with its graph) and its statistics. Dispose it, or let a dispose scope take the tensor.</summary>
/// <param name="Loss">The scalar to call <c>backward()</c> on.</param>
/// <param name="Stats">What the evaluation looked like.</param>
public sealed record GrpoLossResult(Tensor Loss, GrpoLossStats Stats) : IDisposable
{
    /// <inheritdoc />
    public void Dispose() => Loss.Dispose();
}
