using VisionR1.Grpo.Advantages;
using static TorchSharp.torch;
using VisionR1.Grpo.Policies;

namespace VisionR1.Grpo.Rollout;

/// <summary>
/// A rollout ready for the loss: the completions of some groups as padded tensors, their advantages, and
/// (once computed) old and reference log-probs. Owns its tensors (kept out of any dispose scope).
/// </summary>
public sealed class RolloutBatch : IDisposable
{
    private RolloutBatch(IReadOnlyList<CompletionGroup> groups, AdvantageResult advantages, Tensor ids, Tensor mask, Tensor adv, int tokenCount, Tensor? behaviour)
    {
        BehaviourLogProbs = behaviour;
        Groups = groups;
        Completions = groups.SelectMany(g => g.Completions).ToList();
        Prompts = Completions.Select(c => c.Prompt).ToList();
        GroupSizes = groups.Select(g => g.Completions.Count).ToArray();
        AdvantageResult = advantages;
        CompletionIds = ids;
        CompletionMask = mask;
        Advantages = adv;
        TokenCount = tokenCount;
    }

    /// <summary>The groups, in order.</summary>
    public IReadOnlyList<CompletionGroup> Groups { get; }

    /// <summary>All completions, group after group.</summary>
    public IReadOnlyList<ScoredCompletion> Completions { get; }

    /// <summary>The prompt of each completion.</summary>
    public IReadOnlyList<GrpoPrompt> Prompts { get; }

    /// <summary>Completions per group.</summary>
    public int[] GroupSizes { get; }

    /// <summary>The advantages and the groups' reward spread.</summary>
    public AdvantageResult AdvantageResult { get; }

    /// <summary>(N, L) int64 completion tokens, right-padded.</summary>
    public Tensor CompletionIds { get; }

    /// <summary>(N, L) float32: 1 for tokens the loss counts (0 for padding, and for whole truncated completions when they are masked).</summary>
    public Tensor CompletionMask { get; }

    /// <summary>(N) float32 advantages.</summary>
    public Tensor Advantages { get; }

    /// <summary>Σ of <see cref="CompletionMask"/>.</summary>
    public int TokenCount { get; }

    /// <summary>(N, L) log-probs under the sampling policy, when μ &gt; 1 needs them; else null (the current ones, detached, are used).</summary>
    public Tensor? OldLogProbs { get; private set; }

    /// <summary>
    /// (N, L) float32 log-probs the rollout engine reported for the sampled tokens (0 at padding), when every completion has
    /// them (<see cref="ScoredCompletion.BehaviourLogProbs"/>); else null.
    /// </summary>
    public Tensor? BehaviourLogProbs { get; }

    /// <summary>(N, L) log-probs under the frozen reference, when β &gt; 0; else null.</summary>
    public Tensor? RefLogProbs { get; private set; }

    /// <summary>Number of completions.</summary>
    public int Count => Completions.Count;

    /// <summary>
    /// Builds the batch: pads completions with <paramref name="padId"/>, computes advantages per group, and
    /// with <paramref name="maskTruncated"/> zeroes the mask of completions that hit the cap.
    /// </summary>
    public static RolloutBatch Build(IReadOnlyList<CompletionGroup> groups, AdvantageOptions advantageOptions, bool maskTruncated, long padId)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var completions = groups.SelectMany(g => g.Completions).ToList();
        if (completions.Count == 0) throw new ArgumentException("A rollout batch needs at least one completion.", nameof(groups));
        var adv = GroupAdvantages.Compute(completions.Select(c => c.Reward).ToArray(), groups.Select(g => g.Completions.Count).ToArray(), advantageOptions);
        int n = completions.Count;
        int width = Math.Max(1, completions.Max(c => c.Tokens.Length));
        var ids = new long[n * width];
        var mask = new float[n * width];
        Array.Fill(ids, padId);
        int tokens = 0;
        for (int i = 0; i < n; i++)
        {
            var c = completions[i];
            c.Tokens.CopyTo(ids, i * width);
            if (maskTruncated && c.Truncated) continue;
            mask.AsSpan(i * width, c.Tokens.Length).Fill(1f);
            tokens += c.Tokens.Length;
        }
        var idT = tensor(ids, new long[] { n, width }, ScalarType.Int64).DetachFromDisposeScope();
        var maskT = tensor(mask, new long[] { n, width }, ScalarType.Float32).DetachFromDisposeScope();
        var advT = tensor(adv.Advantages.Select(a => (float)a).ToArray(), new long[] { n }, ScalarType.Float32).DetachFromDisposeScope();
        Tensor? behaviourT = null;
        if (completions.All(c => c.BehaviourLogProbs is not null))
        {
            var behaviour = new float[n * width];
            for (int i = 0; i < n; i++)
            {
                var lp = completions[i].BehaviourLogProbs!;
                if (lp.Length != completions[i].Tokens.Length)
                    throw new ArgumentException($"Completion {i} of prompt '{completions[i].Prompt.Id}' has {completions[i].Tokens.Length} tokens but {lp.Length} behaviour log-probs.", nameof(groups));
                lp.CopyTo(behaviour, i * width);
            }
            behaviourT = tensor(behaviour, new long[] { n, width }, ScalarType.Float32).DetachFromDisposeScope();
        }
        return new RolloutBatch(groups, adv, idT, maskT, advT, tokens, behaviourT);
    }

    /// <summary>Stores the sampling policy's log-probs (taking ownership).</summary>
    public void SetOldLogProbs(Tensor logProbs)
    {
        OldLogProbs?.Dispose();
        OldLogProbs = logProbs.DetachFromDisposeScope();
    }

    /// <summary>Stores the reference's log-probs (taking ownership).</summary>
    public void SetRefLogProbs(Tensor logProbs)
    {
        RefLogProbs?.Dispose();
        RefLogProbs = logProbs.DetachFromDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        CompletionIds.Dispose();
        CompletionMask.Dispose();
        Advantages.Dispose();
        BehaviourLogProbs?.Dispose();
        OldLogProbs?.Dispose();
        RefLogProbs?.Dispose();
    }
}
