using TorchSharp.Modules;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Training;

/// <summary>
/// Forward and backward passes of a step's micro-batches, in turn or side by side (one micro-batch per worker thread,
/// <see cref="TensorWorkers"/>) with the same gradients as in turn. Side by side, each micro-batch's gradients go to a
/// tensor of its own (<c>autograd.grad</c>), and they are added into the parameters' <c>.grad</c> in micro-batch
/// order afterwards, exactly as successive <c>backward()</c> calls accumulate them; so the sum does not depend on which
/// worker finished first. At small model widths one pass does not scale to all of a machine's cores, so two passes at once,
/// each with a share of the threads, finish sooner than two in turn.
/// </summary>
internal static class MicroBatchBackward
{
    /// <summary>
    /// Runs <paramref name="work"/> for micro-batches 0 … <paramref name="count"/> − 1 and accumulates the gradient of each returned
    /// loss into the <c>.grad</c> of <paramref name="parameters"/>: with <paramref name="workers"/> ≤ 1 in turn on this thread
    /// (<c>backward()</c>), otherwise at most that many at a time, each gradient taken on its worker and added in micro-batch
    /// order afterwards. The loss tensor and anything else <paramref name="work"/> creates belong to a dispose scope of the
    /// micro-batch, disposed when it is done; return plain values.
    /// </summary>
    /// <returns>What <paramref name="work"/> returned for each micro-batch, in order.</returns>
    public static T[] Run<T>(IReadOnlyList<Parameter> parameters, int count, int workers, Func<int, (Tensor Loss, T Value)> work, CancellationToken cancellationToken = default)
    {
        if (workers <= 1)
        {
            var inTurn = new T[count];
            for (int i = 0; i < count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var (loss, value) = work(i);
                loss.backward();
                inTurn[i] = value;
            }
            return inTurn;
        }
        var inputs = parameters.Cast<Tensor>().ToArray();
        var grads = new Tensor?[count][];
        try
        {
            var values = TensorWorkers.Run(count, i =>
            {
                using var scope = NewDisposeScope();
                var (loss, value) = work(i);
                var g = autograd.grad([loss], inputs, allow_unused: true);
                var mine = new Tensor?[parameters.Count];
                for (int p = 0; p < mine.Length; p++)
                    mine[p] = g[p] is { IsInvalid: false } t ? t.DetachFromDisposeScope() : null; // unused: undefined
                grads[i] = mine;
                return value;
            }, workers, cancellationToken); // a cancelled run leaves .grad untouched: nothing is added before all are done
            using var noGrad = no_grad();
            for (int p = 0; p < parameters.Count; p++)
            {
                var param = parameters[p];
                for (int i = 0; i < count; i++)
                {
                    if (grads[i][p] is not { } g) continue;
                    if (param.grad is { } existing)
                    {
                        existing.add_(g);
                        existing.Dispose(); // the handle only; the parameter keeps its gradient
                    }
                    else param.grad = g; // the parameter now shares it; this handle is released below
                }
            }
            return values;
        }
        finally
        {
            foreach (var set in grads)
                if (set is not null)
                    foreach (var g in set) g?.Dispose();
        }
    }
}
