using VisionR1.Model.Layers;
using static TorchSharp.torch;

namespace VisionR1.Model.Vision;

/// <summary>
/// Attention restricted to consecutive segments of a sequence (windows or frames), computed
/// as one batched <c>scaled_dot_product_attention</c>: segments are gathered into a padded
/// (segments, longest, …) batch with a key mask, and the real rows are gathered back.
/// With a single segment, or segments of one length, no mask or gather is needed.
/// </summary>
internal sealed class SegmentAttentionPlan : IDisposable
{
    private readonly Tensor? _gather;   // (S·L) row of the input for each padded slot
    private readonly Tensor? _scatter;  // (N) padded slot of each input row
    private readonly Tensor? _mask;     // (S, 1, 1, L) bool, True = real key

    public int Segments { get; }
    public int Longest { get; }

    /// <summary>Whether every segment has the same length (attention is then a plain batched view).</summary>
    public bool Uniform { get; }

    public SegmentAttentionPlan(IReadOnlyList<int> lengths, Device device)
    {
        Segments = lengths.Count;
        Longest = lengths.Count == 0 ? 0 : lengths.Max();
        if (Segments <= 1) return;
        // Segments of one length (same-size images and windows) are already a (segments, length) batch:
        // a view, no gather, no key mask.
        if (lengths.All(l => l == Longest))
        {
            Uniform = true;
            return;
        }
        var gather = new long[Segments * Longest];
        var valid = new bool[Segments * Longest];
        var scatter = new long[lengths.Sum()];
        long start = 0;
        for (int s = 0; s < Segments; s++)
        {
            for (int j = 0; j < Longest; j++)
            {
                int slot = s * Longest + j;
                bool real = j < lengths[s];
                gather[slot] = real ? start + j : start; // padding repeats the segment's first row; masked out as a key
                valid[slot] = real;
                if (real) scatter[start + j] = slot;
            }
            start += lengths[s];
        }
        _gather = tensor(gather, device: device).DetachFromDisposeScope();
        _scatter = tensor(scatter, device: device).DetachFromDisposeScope();
        using var v = tensor(valid, device: device);
        _mask = v.view(Segments, 1, 1, Longest).DetachFromDisposeScope();
    }

    /// <summary>q, k, v: (N, heads, head_dim). Returns (N, heads·head_dim).</summary>
    public Tensor Attend(Tensor q, Tensor k, Tensor v)
    {
        using var scope = NewDisposeScope();
        long n = q.shape[0], heads = q.shape[1], hd = q.shape[2];
        Tensor output;
        if (Uniform)
        {
            Tensor Batch(Tensor x) => x.view(Segments, Longest, heads, hd).transpose(1, 2);
            var o = AttentionKernel.Compute(Batch(q), Batch(k), Batch(v), null);
            output = o.transpose(1, 2).reshape(n, heads * hd);
        }
        else if (_gather is null)
        {
            var o = AttentionKernel.Compute(
                q.transpose(0, 1).unsqueeze(0), k.transpose(0, 1).unsqueeze(0), v.transpose(0, 1).unsqueeze(0), null);
            output = o.squeeze(0).transpose(0, 1).reshape(n, heads * hd);
        }
        else
        {
            Tensor Pad(Tensor x) => x.index_select(0, _gather).view(Segments, Longest, heads, hd).transpose(1, 2);
            var o = AttentionKernel.Compute(Pad(q), Pad(k), Pad(v), _mask);
            output = o.transpose(1, 2).reshape(Segments * Longest, heads * hd).index_select(0, _scatter!);
        }
        return output.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _gather?.Dispose();
        _scatter?.Dispose();
        _mask?.Dispose();
    }
}
