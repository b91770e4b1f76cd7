using System.Runtime.ExceptionServices;
using static TorchSharp.torch;

namespace VisionR1.Runtime;

/// <summary>
/// Runs independent pieces of tensor work side by side, each piece on a worker thread with a share of the calling thread's
/// libtorch threads. Autoregressive generation of a small model is a long chain of small operations that keeps one core busy
/// however many intra-op threads it is given (one intra-op thread generates as fast as two); two
/// generation batches on two threads of one intra-op thread each use both cores.
/// </summary>
/// <remarks>
/// <para>
/// The thread budget is libtorch's thread count on the calling thread when <see cref="Run{T}"/> starts (what
/// <see cref="VisionR1Runtime.Initialize"/> set, or what <see cref="ThreadGovernor"/> left while another process is busy).
/// <c>min(count, maxConcurrency, budget)</c> workers run, each with <c>budget / workers</c> intra-op threads; with one worker the
/// pieces run in turn on the calling thread, as before. Every piece runs with the same thread count whichever worker picks it,
/// so its numbers do not depend on the order in which the workers take the pieces; they can differ in the last bits from the same
/// piece run on the calling thread with the whole budget, as any change of thread count can.
/// </para>
/// <para>
/// Workers run with the caller's gradient mode (libtorch keeps it per thread). Dispose scopes are per thread too: tensors a piece
/// creates are not in the caller's scope, so a piece should open its own scope and return managed values, or tensors that the
/// caller then owns. libtorch's default thread count for threads that have not yet run tensor work is process-wide; it is set
/// back to the budget when the workers end.
/// </para>
/// </remarks>
public static class TensorWorkers
{
    /// <summary>How many workers <see cref="Run{T}"/> would use for <paramref name="count"/> pieces on this thread now.</summary>
    public static int Concurrency(int count, int maxConcurrency) =>
        Math.Max(1, Math.Min(Math.Min(count, maxConcurrency), get_num_threads()));

    /// <summary>
    /// Runs <paramref name="work"/>(0 … <paramref name="count"/> − 1) with at most <paramref name="maxConcurrency"/> pieces at a
    /// time and returns the results in index order. The first exception a piece throws is rethrown once every worker has stopped
    /// (pieces not yet started are skipped); cancellation is checked before each piece.
    /// </summary>
    public static T[] Run<T>(int count, Func<int, T> work, int maxConcurrency, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        var results = new T[count];
        int budget = get_num_threads();
        int workers = Concurrency(count, maxConcurrency);
        if (workers <= 1)
        {
            for (int i = 0; i < count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                results[i] = work(i);
            }
            return results;
        }

        int each = Math.Max(1, budget / workers);
        bool gradEnabled = is_grad_enabled();
        int next = -1;
        ExceptionDispatchInfo? failure = null;
        var threads = new Thread[workers];
        for (int w = 0; w < workers; w++)
        {
            threads[w] = new Thread(() =>
            {
                set_num_threads(each);
                using var grad = set_grad_enabled(gradEnabled);
                while (Volatile.Read(ref failure) is null && !cancellationToken.IsCancellationRequested)
                {
                    int i = Interlocked.Increment(ref next);
                    if (i >= count) break;
                    try
                    {
                        results[i] = work(i);
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
                    }
                }
            })
            {
                IsBackground = true,
                Name = $"vr1-tensor-worker-{w}",
            };
            threads[w].Start();
        }
        foreach (var thread in threads) thread.Join();
        set_num_threads(budget); // the workers changed the process-wide default; this thread keeps its own count
        failure?.Throw();
        cancellationToken.ThrowIfCancellationRequested();
        return results;
    }
}
