using VisionR1.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Training;

/// <summary>
/// Global-norm gradient clipping in the manner of <c>torch.nn.utils.clip_grad_norm_</c>, with the squared norms
/// accumulated in fp32 (bf16 gradients are widened first) and the scaling factor held in a kept-alive scalar
/// (see <see cref="VisionR1.Runtime.Scalars"/>).
/// </summary>
public static class GradientClipping
{
    /// <summary>
    /// Returns the L2 norm of all gradients of <paramref name="parameters"/> taken together (before clipping) and,
    /// when <paramref name="maxNorm"/> &gt; 0 and the norm exceeds it, scales every gradient in place by
    /// <c>maxNorm / (norm + 1e-6)</c>. Parameters without a gradient are skipped; with none the norm is 0.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is NaN.</exception>
    public static double ClipGlobalNorm(IReadOnlyList<Parameter> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (double.IsNaN(maxNorm)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The maximum norm must be a number.");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var squares = new List<Tensor>();
        foreach (var p in parameters)
            if (p.grad is { } g)
                squares.Add(Scalars.Square(g.to_type(ScalarType.Float32)).sum());
        if (squares.Count == 0) return 0;
        var device = squares[0].device;
        double norm = stack(squares.Select(s => s.to(device)).ToList()).sum().sqrt().item<float>();
        if (maxNorm > 0 && !double.IsNaN(norm))
        {
            double coefficient = maxNorm / (norm + 1e-6);
            if (coefficient < 1)
            {
                using var factor = coefficient.ToScalar();
                foreach (var p in parameters)
                    p.grad?.mul_(factor);
            }
        }
        return norm;
    }
}
