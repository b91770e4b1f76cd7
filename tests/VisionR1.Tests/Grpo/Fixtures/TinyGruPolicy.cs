using TorchSharp;
using TorchSharp.Modules;
using VisionR1.Grpo.Loss;
using VisionR1.Grpo.Policies;
using VisionR1.Inputs;
using static TorchSharp.torch;

namespace VisionR1.Tests.Grpo.Fixtures;

/// <summary>A tiny recurrent language model: embedding → GRU → linear head. Causal by construction.</summary>
public sealed class TinyGruLm : nn.Module<Tensor, Tensor>
{
    private readonly Embedding embed;
    private readonly GRU gru;
    private readonly Linear head;

    public TinyGruLm(int vocab, int embedding, int hidden) : base("tiny_gru_lm")
    {
        embed = nn.Embedding(vocab, embedding);
        gru = nn.GRU(embedding, hidden, batchFirst: true);
        head = nn.Linear(hidden, vocab);
        RegisterComponents();
    }

    /// <summary>Makes the end-of-sequence token (almost) never sampled, so every completion runs to the cap.</summary>
    public void SuppressEndOfSequence()
    {
        using var _ = no_grad();
        head.bias![TinyTokenizer.Eos] = -30f;
    }

    public override Tensor forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        var (output, h) = gru.call(embed.call(ids));
        return head.call(output).MoveToOuterDisposeScope();
    }
}

/// <summary>An <see cref="IPolicyModel"/> over <see cref="TinyGruLm"/>, sampling by recomputing the sequence each token.</summary>
public sealed class TinyGruPolicy : IPolicyModel
{
    private readonly TinyGruLm _lm;
    private readonly int _embedding, _hidden;

    public TinyGruPolicy(long seed, int embedding = 16, int hidden = 48)
    {
        _embedding = embedding;
        _hidden = hidden;
        torch.random.manual_seed(seed);
        _lm = new TinyGruLm(TinyTokenizer.Size, embedding, hidden);
    }

    private TinyGruPolicy(TinyGruLm lm, int embedding, int hidden)
    {
        _lm = lm;
        _embedding = embedding;
        _hidden = hidden;
    }

    public nn.Module Module => _lm;

    public TinyGruPolicy WithoutEndOfSequence()
    {
        _lm.SuppressEndOfSequence();
        return this;
    }

    public IReadOnlyList<Parameter> TrainableParameters(bool freezeVisionTower) => _lm.parameters().ToList();

    public PolicyLogProbs LogProbsOfLastTokens(MultimodalBatch sequences, int count, double temperature = 1.0, bool withEntropy = false)
    {
        long t = sequences.InputIds.shape[1];
        using var scope = NewDisposeScope();
        var logits = _lm.call(sequences.InputIds)[.., (int)(t - count - 1)..(int)(t - 1)];
        var targets = sequences.InputIds[.., (int)(t - count)..];
        var (logp, entropy) = LogitLogProbs.Compute(logits, targets, temperature, withEntropy);
        logp.MoveToOuterDisposeScope();
        entropy?.MoveToOuterDisposeScope();
        return new PolicyLogProbs(logp, entropy);
    }

    public SampledCompletions Generate(MultimodalBatch prompts, int samplesPerPrompt, SamplingSettings settings, long seed, CancellationToken cancellationToken = default)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var generator = new Generator((ulong)seed);
        var seq = prompts.InputIds.to_type(ScalarType.Int64).repeat_interleave(samplesPerPrompt, 0);
        long n = seq.shape[0];
        var finished = zeros(n, dtype: ScalarType.Bool);
        var tokens = new List<Tensor>();
        var masks = new List<Tensor>();
        for (int step = 0; step < settings.MaxNewTokens; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var logits = _lm.call(seq)[.., -1] / settings.Temperature;
            var next = logits.softmax(-1).multinomial(1, generator: generator).squeeze(1);
            next = where(finished, full_like(next, TinyTokenizer.Eos), next);
            masks.Add(finished.logical_not().to_type(ScalarType.Int64));
            tokens.Add(next);
            finished = finished.logical_or(next == TinyTokenizer.Eos);
            seq = cat([seq, next.unsqueeze(1)], 1);
            if (finished.all().item<bool>()) break;
        }
        var truncated = finished.logical_not().data<bool>().ToArray();
        var ids = stack(tokens, 1).MoveToOuterDisposeScope();
        var mask = stack(masks, 1).MoveToOuterDisposeScope();
        return new SampledCompletions(ids, mask, truncated);
    }

    public IPolicyModel CreateFrozenCopy()
    {
        var copy = new TinyGruLm(TinyTokenizer.Size, _embedding, _hidden);
        copy.load_state_dict(_lm.state_dict());
        foreach (var p in copy.parameters()) p.requires_grad = false;
        copy.eval();
        return new TinyGruPolicy(copy, _embedding, _hidden);
    }

    public void SaveWeights(string directory) => _lm.save(Path.Combine(directory, "tiny_gru.bin"));

    public void LoadWeights(string directory) => _lm.load(Path.Combine(directory, "tiny_gru.bin"));

    /// <summary>All weights flattened, for exact comparisons.</summary>
    public float[] Snapshot() => _lm.parameters().SelectMany(p => p.detach().to_type(ScalarType.Float32).data<float>().ToArray()).ToArray();

    public void Dispose() => _lm.Dispose();
}
