using VisionR1.Runtime;
using VisionR1.Model.Config;
using static TorchSharp.torch;

namespace VisionR1.Model;

/// <summary>
/// Keys and values of every decoder layer, preallocated to a fixed capacity
/// (prompt + max new tokens) and written in place, so decoding never copies the cache.
/// Also keeps each row's M-RoPE delta, set by the prefill. For inference only (use it under
/// <c>no_grad</c>); dispose it when generation ends.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private Tensor? _ropeDeltas;
    private Tensor? _rotaryCos;
    private Tensor? _rotarySin;
    private long _deltaMin;
    private long _deltaMax;

    private KvCache(Tensor[] keys, Tensor[] values, long capacity, long batch)
    {
        _keys = keys;
        _values = values;
        Capacity = capacity;
        BatchSize = batch;
    }

    /// <summary>Allocates an empty cache for <paramref name="batch"/> rows of up to <paramref name="capacity"/> positions.</summary>
    public static KvCache Allocate(TextConfig config, long batch, long capacity, ScalarType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Allocate(config.NumHiddenLayers, config.NumKeyValueHeads, config.HeadDim, batch, capacity, dtype, device);
    }

    /// <summary>An empty cache of <paramref name="layers"/> decoder layers with <paramref name="kvHeads"/> key/value heads of width <paramref name="headDim"/> (either family's language model).</summary>
    internal static KvCache Allocate(int layers, int kvHeads, int headDim, long batch, long capacity, ScalarType dtype, Device device)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var keys = new Tensor[layers];
        var values = new Tensor[layers];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = empty([batch, kvHeads, capacity, headDim], dtype, device).DetachFromDisposeScope();
            values[i] = empty([batch, kvHeads, capacity, headDim], dtype, device).DetachFromDisposeScope();
        }
        return new KvCache(keys, values, capacity, batch);
    }

    /// <summary>Whether the prefill's attention mask was all ones (no padded row), set by the prefill.</summary>
    internal bool Unpadded { get; set; }

    /// <summary>Positions already filled.</summary>
    public long Length { get; private set; }

    /// <summary>Positions the cache can hold.</summary>
    public long Capacity { get; }

    /// <summary>Rows.</summary>
    public long BatchSize { get; }

    /// <summary>(B, 1) int64 rope deltas of the rows, or null before the prefill.</summary>
    public Tensor? RopeDeltas => _ropeDeltas;

    internal void SetRopeDeltas(Tensor deltas)
    {
        _ropeDeltas?.Dispose();
        _ropeDeltas = deltas.view(-1, 1).clone().DetachFromDisposeScope();
        _deltaMin = _ropeDeltas.min().item<long>();
        _deltaMax = _ropeDeltas.max().item<long>();
    }

    /// <summary>
    /// cos and sign-folded sin (B, T, head_dim) of text positions (B, T) — generated tokens, whose three M-RoPE axes agree —
    /// read from a (capacity, head_dim) table built on first use, so decoding never recomputes rotary angles.
    /// Positions outside the table (not produced by prefill deltas) fall back to computing them.
    /// </summary>
    internal (Tensor Cos, Tensor Sin) TextRotary(Tensor positions, TextConfig config, ScalarType dtype) =>
        TextRotary(positions, Text.MultimodalRotary.AxisOfDimension(config.MropeSection, config.HeadDim), config.RopeTheta, dtype);

    /// <summary>
    /// As <see cref="TextRotary(Tensor, TextConfig, ScalarType)"/> for a rotary layout given as each head_dim slot's position
    /// axis (<paramref name="axis"/>, chunked for Qwen2.5-VL, interleaved for Qwen3-VL) and base <paramref name="ropeTheta"/>.
    /// </summary>
    internal (Tensor Cos, Tensor Sin) TextRotary(Tensor positions, long[] axis, double ropeTheta, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        if (_rotaryCos is null)
        {
            var all = Scalars.Arange(0, Capacity, device: positions.device).view(1, 1, Capacity).expand(3, 1, Capacity);
            var (c, s) = Text.MultimodalRotary.Tables(all, axis, ropeTheta, dtype);
            _rotaryCos = c.squeeze(0).DetachFromDisposeScope();
            _rotarySin = Text.MultimodalRotary.SignFoldedSin(s.squeeze(0)).DetachFromDisposeScope();
        }
        long b = positions.shape[0], t = positions.shape[1];
        Tensor cos, sin;
        // Decode positions are Length … Length + T − 1 plus each row's delta: check the range on the host.
        if (Length + _deltaMin < 0 || Length + t - 1 + _deltaMax >= Capacity)
        {
            (cos, sin) = Text.MultimodalRotary.Tables(positions.unsqueeze(0).expand(3, b, t), axis, ropeTheta, dtype);
            sin = Text.MultimodalRotary.SignFoldedSin(sin);
        }
        else
        {
            var flat = positions.reshape(-1);
            cos = _rotaryCos.index_select(0, flat).view(b, t, -1);
            sin = _rotarySin!.index_select(0, flat).view(b, t, -1);
        }
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>Writes (B, kv_heads, T, head_dim) keys and values of <paramref name="layer"/> at the current length; returns views over everything filled so far.</summary>
    internal (Tensor Keys, Tensor Values) Write(int layer, Tensor keys, Tensor values)
    {
        long t = keys.shape[2];
        if (Length + t > Capacity)
            throw new InvalidOperationException($"The KV cache holds {Capacity} positions; {Length} are filled and {t} more were written.");
        if (keys.requires_grad)
            throw new InvalidOperationException("The KV cache is for inference: run cached forwards under torch.no_grad() (gradients cannot flow through the in-place cache).");
        if (keys.shape[0] != BatchSize)
            throw new ArgumentException($"The KV cache has {BatchSize} rows but the input has {keys.shape[0]}.");
        using (no_grad())
        {
            _keys[layer].narrow(2, Length, t).copy_(keys);
            _values[layer].narrow(2, Length, t).copy_(values);
        }
        return (_keys[layer].narrow(2, 0, Length + t), _values[layer].narrow(2, 0, Length + t));
    }

    /// <summary>Marks <paramref name="count"/> more positions as filled (after every layer wrote them).</summary>
    internal void Advance(long count) => Length += count;

    /// <summary>
    /// A new cache whose rows are each of this cache's rows repeated <paramref name="repeats"/> times
    /// (row i → rows i·repeats … i·repeats + repeats − 1), with the same capacity and length.
    /// Used once after the prefill to share a prompt among its samples.
    /// </summary>
    public KvCache Expand(int repeats)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        var keys = new Tensor[_keys.Length];
        var values = new Tensor[_values.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = _keys[i].repeat_interleave(repeats, 0).DetachFromDisposeScope();
            values[i] = _values[i].repeat_interleave(repeats, 0).DetachFromDisposeScope();
        }
        var expanded = new KvCache(keys, values, Capacity, BatchSize * repeats) { Length = Length, Unpadded = Unpadded };
        if (_ropeDeltas is not null)
        {
            using var d = _ropeDeltas.repeat_interleave(repeats, 0);
            expanded.SetRopeDeltas(d);
        }
        return expanded;
    }

    /// <summary>
    /// A new cache holding only the given rows of this one, in that order, with the same capacity and length. Generation
    /// uses it to drop rows that have finished, so that later steps compute only the rows still running.
    /// </summary>
    /// <param name="rows">(R) int64 row indices, each below <see cref="BatchSize"/>.</param>
    public KvCache Select(Tensor rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.dim() != 1 || rows.shape[0] < 1) throw new ArgumentException($"rows must be a non-empty 1-D index tensor, got [{string.Join(", ", rows.shape)}].", nameof(rows));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope(); // the converted index, if a conversion was needed; the new cache's tensors are detached
        var index = rows.to(_keys[0].device).to_type(ScalarType.Int64);
        var keys = new Tensor[_keys.Length];
        var values = new Tensor[_values.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = _keys[i].index_select(0, index).DetachFromDisposeScope();
            values[i] = _values[i].index_select(0, index).DetachFromDisposeScope();
        }
        var selected = new KvCache(keys, values, Capacity, rows.shape[0]) { Length = Length, Unpadded = Unpadded };
        if (_ropeDeltas is not null)
        {
            using var d = _ropeDeltas.index_select(0, index);
            selected.SetRopeDeltas(d);
        }
        return selected;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
        _ropeDeltas?.Dispose();
        _rotaryCos?.Dispose();
        _rotarySin?.Dispose();
    }
}
