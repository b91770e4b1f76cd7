using static TorchSharp.torch;

namespace VisionR1.Model.Layers;

/// <summary>
/// Runs a stack of layers, each on the previous one's output. Without gradients nothing needs a layer's input once the
/// layer has run, so each intermediate output is disposed as soon as the next one exists instead of at the end of the
/// caller's dispose scope: a prefill, a reference or scoring pass then holds one layer's hidden states at a time, not one
/// per layer (for the 3B model in fp32, 36 layers × 8 KB per token in the text model and 32 blocks × 5 KB per patch in the
/// vision tower). With gradients on, autograd or the activation checkpoint keeps the inputs anyway and they are left to
/// the caller's scope.
/// </summary>
internal static class LayerStack
{
    /// <summary>
    /// h = <paramref name="layer"/>(i, h) for i = 0 … <paramref name="count"/> − 1, starting from <paramref name="input"/>
    /// (never disposed here); returns the last output.
    /// </summary>
    public static Tensor Run(Tensor input, int count, Func<int, Tensor, Tensor> layer)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(layer);
        bool release = !is_grad_enabled();
        var h = input;
        for (int i = 0; i < count; i++)
        {
            var next = layer(i, h);
            if (release && !ReferenceEquals(h, input) && !ReferenceEquals(next, h)) h.Dispose();
            h = next;
        }
        return h;
    }
}
