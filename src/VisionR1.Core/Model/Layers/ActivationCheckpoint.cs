using TorchSharp;
using static TorchSharp.torch;

namespace VisionR1.Model.Layers;

/// <summary>
/// Gradient (activation) checkpointing for one layer, written as a custom autograd function because TorchSharp has no
/// <c>torch.utils.checkpoint</c>: the forward pass runs the layer without recording its graph and keeps only the layer's
/// tensor inputs; the backward pass runs the layer again with gradients on and back-propagates the incoming gradient
/// through that recomputation (a re-entrant backward, as PyTorch's reentrant checkpoint does), which accumulates the
/// parameters' gradients and returns the input's. The torch CPU generator state is restored around the recomputation,
/// so dropout draws the same masks on the CPU.
/// </summary>
internal static class ActivationCheckpoint
{
    /// <summary>
    /// y = <paramref name="layer"/>([x, ..constants]) with only those inputs kept for backward; <paramref name="owner"/> is the
    /// module whose parameters (and LoRA adapters) the layer uses. <paramref name="x"/> is the
    /// hidden state whose gradient is wanted; <paramref name="constants"/> need none (rotary tables, masks; null allowed). When gradients
    /// are off, or nothing in the layer needs one, the layer simply runs.
    /// </summary>
    public static Tensor Run(nn.Module owner, Func<IReadOnlyList<Tensor?>, Tensor> layer, Tensor x, params Tensor?[] constants)
    {
        // Nothing to differentiate (no gradients, or a frozen layer fed by frozen layers): no graph to save either.
        if (!is_grad_enabled() || (!x.requires_grad && !Trains(owner))) return layer([x, .. constants]);
        // The node joins the graph only if an input needs a gradient; a frozen embedding below LoRA layers gives an
        // input that does not, so hand the layer a detached input that does (its gradient then goes nowhere).
        if (!x.requires_grad) x = x.detach().requires_grad_(true);
        object[] vars = [x, .. constants.Select(c => (object?)c ?? Missing.Instance), layer];
        return CheckpointFunction.apply(vars);
    }

    /// <summary>Whether a parameter of <paramref name="owner"/> or of an active LoRA adapter inside it needs a gradient.</summary>
    private static bool Trains(nn.Module owner) =>
        owner.parameters().Any(p => p.requires_grad)
        || owner.modules().OfType<Linear>().Any(l => l.HasActiveAdapter && (l.Adapter!.A.requires_grad || l.Adapter.B.requires_grad));

    /// <summary>Stands in for an absent constant (the autograd function treats non-tensors as non-differentiable).</summary>
    private sealed class Missing
    {
        public static readonly Missing Instance = new();
    }

    private sealed class CheckpointFunction : autograd.SingleTensorFunction<CheckpointFunction>
    {
        public override string Name => "ActivationCheckpoint";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var layer = (Func<IReadOnlyList<Tensor?>, Tensor>)vars[^1];
            var inputs = vars[..^1].Select(v => v as Tensor).ToList();
            using var rng = random.get_rng_state();
            ctx.save_data("rng", rng.data<byte>().ToArray());
            ctx.save_data("layer", layer);
            ctx.save_data("present", inputs.Select(t => t is not null).ToArray());
            ctx.save_for_backward(inputs.Where(t => t is not null).ToList()!);
            return layer(inputs);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            var layer = (Func<IReadOnlyList<Tensor?>, Tensor>)ctx.get_data("layer");
            var present = (bool[])ctx.get_data("present");
            var rngState = (byte[])ctx.get_data("rng");
            var saved = ctx.get_saved_variables();
            Tensor input;
            using (var scope = NewDisposeScope())
            {
                var x = saved[0].detach().requires_grad_(true);
                var inputs = new List<Tensor?>();
                int next = 0;
                foreach (bool p in present) inputs.Add(p ? (next++ == 0 ? x : saved[next - 1]) : null);
                using var current = random.get_rng_state();
                using (var before = tensor(rngState)) random.set_rng_state(before);
                Tensor y;
                try
                {
                    using (enable_grad()) y = layer(inputs);
                }
                finally
                {
                    random.set_rng_state(current);
                }
                y.backward([gradOutput]);
                input = (x.grad ?? zeros_like(x)).MoveToOuterDisposeScope();
            }
            foreach (var t in saved) t?.Dispose();
            // One entry per forward argument: the input's gradient, none for the constants and the layer delegate.
            var grads = new List<Tensor> { input };
            for (int i = 1; i < present.Length + 1; i++) grads.Add(null!);
            return grads;
        }
    }
}
