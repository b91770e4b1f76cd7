using VisionR1.Runtime;
using VisionR1.Inputs;
using static TorchSharp.torch;
using TorchGenerator = TorchSharp.torch.Generator;

namespace VisionR1.Model.Generation;

/// <summary>
/// The state of one batched generation: the prompts are prefilled once into a KV cache of
/// capacity prompt + max new tokens, the cache is expanded to G rows per prompt, and each
/// <see cref="Step"/> samples one token per row and feeds it back. Tensors that live across
/// steps (cache, mask, pending logits) are owned here, outside any dispose scope. Rows that finish are dropped from the
/// cache once an eighth of its rows have finished (<see cref="GenerationOptions.DropFinishedRows"/>), so the remaining steps
/// compute only the rows still running.
/// </summary>
internal sealed class GenerationSession : IDisposable
{
    private readonly QwenVLModel _model;
    private readonly GenerationOptions _options;
    private readonly HashSet<int> _stop;
    private readonly TorchGenerator _generator;
    private readonly Tensor? _suppress;  // ids never sampled
    private KvCache _cache;             // rows of _active only
    private Tensor _mask;               // (rows of _active, P + max new) int64
    private int[] _active;              // cache row → session row; finished rows leave at the next compaction
    private Tensor? _logits;            // (rows of _active, V) fp32 logits for the next token
    private readonly int _promptLength;
    private readonly int _padId;
    private int _step;

    public GenerationSession(QwenVLModel model, MultimodalBatch prompts, GenerationOptions options, int samplesPerPrompt)
    {
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(samplesPerPrompt, 1);
        _model = model;
        _options = options;
        _stop = [.. options.StopTokenIds ?? [model.Tokens.EosTokenId]];
        _padId = model.Tokens.PadTokenId;
        int b = checked((int)prompts.BatchSize);
        _promptLength = checked((int)prompts.SequenceLength);
        long capacity = _promptLength + (long)options.MaxNewTokens;
        if (capacity > model.MaxPositionEmbeddings)
            throw new ArgumentException($"Prompt length {_promptLength} + MaxNewTokens {options.MaxNewTokens} exceeds max_position_embeddings {model.MaxPositionEmbeddings}.");
        Rows = b * samplesPerPrompt;
        Samples = samplesPerPrompt;
        Tokens = Enumerable.Range(0, Rows).Select(_ => new List<int>()).ToArray();
        LogProbs = Enumerable.Range(0, Rows).Select(_ => new List<float>()).ToArray();
        Finish = new FinishReason?[Rows];
        _active = Enumerable.Range(0, Rows).ToArray();
        _generator = new TorchGenerator((ulong)(options.Seed ?? Random.Shared.NextInt64()), model.Device);
        var suppress = options.SuppressTokenIds ?? [model.Tokens.ImageTokenId, model.Tokens.VideoTokenId];
        if (suppress.Any(id => id < 0 || id >= model.VocabSize))
            throw new ArgumentException($"SuppressTokenIds holds an id outside the vocabulary 0..{model.VocabSize - 1}.", nameof(options));
        _suppress = suppress.Count == 0 ? null : tensor(suppress.Select(i => (long)i).ToArray(), device: model.Device).DetachFromDisposeScope();

        try
        {
            (_cache, _logits, _mask) = Prefill(model, prompts, options, samplesPerPrompt, b, capacity);
        }
        catch
        {
            _suppress?.Dispose();
            _generator.Dispose();
            throw;
        }
    }

    private (KvCache Cache, Tensor Logits, Tensor Mask) Prefill(QwenVLModel model, MultimodalBatch prompts, GenerationOptions options, int samples, int b, long capacity)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var prefillCache = model.AllocateCache(b, capacity);
        KvCache? cache = null;
        try
        {
            using var output = model.Forward(prompts, prefillCache, LogitsMode.LastPosition);
            cache = samples == 1 ? prefillCache : prefillCache.Expand(samples);
            var logits = samples == 1 ? output.Logits! : output.Logits!.repeat_interleave(samples, 0);
            var mask = zeros([Rows, capacity], ScalarType.Int64, model.Device);
            mask.narrow(1, 0, _promptLength).copy_(prompts.AttentionMask.to(model.Device).repeat_interleave(samples, 0));
            Scalars.Fill(mask.narrow(1, _promptLength, options.MaxNewTokens), 1);
            return (cache, logits.clone().DetachFromDisposeScope(), mask.DetachFromDisposeScope());
        }
        catch
        {
            if (cache is not null && !ReferenceEquals(cache, prefillCache)) cache.Dispose();
            prefillCache.Dispose();
            throw;
        }
        finally
        {
            if (samples != 1 && cache is not null) prefillCache.Dispose();
        }
    }

    public int Rows { get; }

    public int Samples { get; }

    public List<int>[] Tokens { get; }

    public List<float>[] LogProbs { get; }

    public FinishReason?[] Finish { get; }

    public int PromptLength => _promptLength;

    public bool Done => _logits is null;

    /// <summary>Samples one token for every unfinished row; returns the rows' new tokens (−1 for rows already finished).</summary>
    public int[] Step()
    {
        if (_logits is null) throw new InvalidOperationException("Generation has finished.");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (tokens, logps) = TokenSampler.Sample(_logits, _options, _generator, _suppress);
        _logits.Dispose();
        _logits = null;
        var ids = tokens.to(CPU).data<long>().ToArray();
        var lps = logps.to(CPU).data<float>().ToArray();
        _step++;
        var emitted = new int[Rows];
        Array.Fill(emitted, -1);
        var next = new long[_active.Length];
        var running = new List<int>(_active.Length);
        for (int i = 0; i < _active.Length; i++)
        {
            int r = _active[i];
            next[i] = _padId;
            if (Finish[r] is not null) continue;
            int id = (int)ids[i];
            emitted[r] = id;
            next[i] = id;
            Tokens[r].Add(id);
            LogProbs[r].Add(lps[i]);
            if (_stop.Contains(id)) Finish[r] = FinishReason.Stop;
            else if (_step == _options.MaxNewTokens) Finish[r] = FinishReason.Length;
            if (Finish[r] is null) running.Add(i);
        }
        if (running.Count == 0) return emitted;

        if (_options.DropFinishedRows && (_active.Length - running.Count) * 8 >= _active.Length) next = Compact(running, next);
        var input = tensor(next, device: _model.Device).view(next.Length, 1);
        using var output = _model.DecodeStep(input, _mask.narrow(1, 0, _promptLength + _step), _cache);
        _logits = output.Logits!.clone().DetachFromDisposeScope();
        return emitted;
    }

    /// <summary>Keeps only the cache rows in <paramref name="running"/> (indices into the current rows); returns their next inputs.</summary>
    private long[] Compact(List<int> running, long[] next)
    {
        var keep = tensor(running.Select(i => (long)i).ToArray(), device: _model.Device);
        var cache = _cache.Select(keep);
        _cache.Dispose();
        _cache = cache;
        var mask = _mask.index_select(0, keep).DetachFromDisposeScope();
        _mask.Dispose();
        _mask = mask;
        _active = running.Select(i => _active[i]).ToArray();
        return running.Select(i => next[i]).ToArray();
    }

    public void Dispose()
    {
        _logits?.Dispose();
        _cache.Dispose();
        _mask.Dispose();
        _suppress?.Dispose();
        _generator.Dispose();
    }
}
