using VisionR1.Grpo.Policies;
using VisionR1.Inputs;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Rollout.Engines;

/// <summary>
/// Samples with the training process's own policy: no copy of the weights, so nothing to publish. By default chunks of whole
/// groups are generated together (<see cref="RolloutSeeding.PerChunk"/>, what <see cref="GroupSampler"/> has always done);
/// <see cref="RolloutSeeding.PerCompletion"/> samples each completion alone with the seed a remote engine would send.
/// </summary>
/// <param name="policy">The policy to sample from (in eval mode and without gradient while sampling; its mode is restored).</param>
/// <param name="encoder">Encodes the prompts.</param>
/// <param name="seeding">How samples are seeded.</param>
public sealed class InProcessRolloutEngine(IPolicyModel policy, IPromptEncoder encoder, RolloutSeeding seeding = RolloutSeeding.PerChunk) : IRolloutEngine
{
    private readonly IPolicyModel _policy = policy ?? throw new ArgumentNullException(nameof(policy));
    private readonly IPromptEncoder _encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));

    /// <summary>How samples are seeded.</summary>
    public RolloutSeeding Seeding { get; } = seeding;

    /// <inheritdoc />
    public string Name => Seeding == RolloutSeeding.PerChunk ? "in-process" : "in-process (per-completion seeds)";

    /// <inheritdoc />
    public bool NeedsWeightSync => false;

    /// <inheritdoc />
    public long? ServedVersion => null;

    /// <inheritdoc />
    public Task<RolloutResult> GenerateAsync(RolloutRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        return Task.FromResult(Generate(request, cancellationToken));
    }

    /// <summary>The synchronous form of <see cref="GenerateAsync"/> (the work runs on the calling thread either way).</summary>
    public RolloutResult Generate(RolloutRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var samples = new List<RolloutSample>(request.Prompts.Count * request.GroupSize);
        bool wasTraining = _policy.Module.training;
        _policy.Module.eval();
        try
        {
            using var _ = no_grad();
            if (Seeding == RolloutSeeding.PerChunk)
            {
                // Chunks of whole groups: at most GenerationBatchSize completions each, and at least ConcurrentChunks of them. A chunk's
                // seed is fixed by its index, so the split, not the number of threads, decides what is sampled.
                int byBatch = Math.Max(1, (request.GenerationBatchSize ?? request.Prompts.Count * request.GroupSize) / request.GroupSize);
                int chunk = Math.Min(byBatch, (request.Prompts.Count + request.ConcurrentChunks - 1) / request.ConcurrentChunks);
                int chunks = (request.Prompts.Count + chunk - 1) / chunk;
                // Prompts are encoded here, on the calling thread (the encoder's tokenizer and image loader are shared); the
                // workers only generate.
                var encoded = new List<MultimodalBatch>(chunks);
                try
                {
                    for (int index = 0; index < chunks; index++) encoded.Add(_encoder.Encode(request.Prompts.Skip(index * chunk).Take(chunk).ToList()));
                    var parts = TensorWorkers.Run(chunks, index =>
                    {
                        var part = new List<RolloutSample>(chunk * request.GroupSize);
                        int start = index * chunk;
                        Sample(encoded[index], Math.Min(chunk, request.Prompts.Count - start), request.GroupSize, request.Settings, SeedMixer.Mix(request.Seed, index), start, part, cancellationToken);
                        return part;
                    }, request.ConcurrentChunks, cancellationToken);
                    foreach (var part in parts) samples.AddRange(part);
                }
                finally
                {
                    foreach (var batch in encoded) batch.Dispose();
                }
            }
            else
            {
                for (int p = 0; p < request.Prompts.Count; p++)
                    for (int k = 0; k < request.GroupSize; k++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        int before = samples.Count;
                        using var one = _encoder.Encode([request.Prompts[p]]);
                        Sample(one, 1, 1, request.Settings, request.CompletionSeed(p, k), p, samples, cancellationToken);
                        samples[before] = samples[before] with { SampleIndex = k };
                    }
            }
        }
        finally
        {
            if (wasTraining) _policy.Module.train();
        }
        return new RolloutResult(samples);
    }

    /// <inheritdoc />
    public Task SyncWeightsAsync(IPolicyModel policy, long version, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <inheritdoc />
    public void Dispose() { }

    /// <summary>Samples <paramref name="groupSize"/> completions for each of the <paramref name="promptCount"/> encoded prompts of <paramref name="batch"/>.</summary>
    private void Sample(MultimodalBatch batch, int promptCount, int groupSize, SamplingSettings settings, long seed, int firstPrompt, List<RolloutSample> into,
        CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        int rows = promptCount * groupSize;
        using var sampled = _policy.Generate(batch, groupSize, settings, seed, cancellationToken);
        if (sampled.Ids.shape[0] != rows)
            throw new InvalidOperationException($"The policy returned {sampled.Ids.shape[0]} completions for {promptCount} prompts × {groupSize} samples.");
        var ids = sampled.Ids.to(CPU).to_type(ScalarType.Int64);
        var mask = sampled.Mask.to(CPU).to_type(ScalarType.Int64);
        long width = ids.shape[1];
        var idData = ids.data<long>().ToArray();
        var maskData = mask.data<long>().ToArray();
        var logProbs = sampled.LogProbs?.to(CPU).to_type(ScalarType.Float32).data<float>().ToArray();
        for (int r = 0; r < rows; r++)
        {
            int len = 0;
            for (long c = 0; c < width; c++) if (maskData[r * width + c] != 0) len = (int)c + 1;
            into.Add(new RolloutSample(firstPrompt + r / groupSize, r % groupSize, idData.AsSpan((int)(r * width), len).ToArray(), sampled.Truncated[r],
                logProbs?.AsSpan((int)(r * width), len).ToArray()));
        }
    }
}
