using VisionR1.Answers;

namespace VisionR1.Grpo.Rewards;

/// <summary>
/// A soft combination r = Σ wₖ·rₖ (grpo.md) of <see cref="WeightedReward"/>s, the same terms the GRPO trainer takes, so a
/// combination can be handed to the trainer as one reward or nested in another. Terms whose score is null ("no score") are
/// left out of the sum; when every term is null the result is null. Components: each term's score under the term's name,
/// then every component of every term (the first term to name a component wins).
/// </summary>
public sealed class WeightedSumReward : IRewardFunction
{
    private readonly IReadOnlyList<WeightedReward> _terms;

    /// <summary>A weighted sum of <paramref name="terms"/> (at least one; weights finite).</summary>
    public WeightedSumReward(IReadOnlyList<WeightedReward> terms, string name = "weighted")
    {
        ArgumentNullException.ThrowIfNull(terms);
        if (terms.Count == 0) throw new ArgumentException("A weighted reward needs at least one term.", nameof(terms));
        for (int i = 0; i < terms.Count; i++)
        {
            if (terms[i]?.Function is null) throw new ArgumentException($"Term {i} has no reward.", nameof(terms));
            if (!double.IsFinite(terms[i].Weight)) throw new ArgumentException($"Term {i} ('{terms[i].Function.Name}') has a non-finite weight.", nameof(terms));
        }
        _terms = terms;
        Name = name;
    }

    /// <summary>
    /// The Vision-R1-Zero baseline's soft reward: format and result weighted 1:1 (paper Table 3),
    /// scaled to 0.5 each so the reward stays in [0, 1] as in EasyR1's r1v reward.
    /// </summary>
    public static WeightedSumReward ZeroBaseline(IAnswerVerifier? verifier = null, ThinkAnswerFormat? format = null) =>
        new([new WeightedReward(new FormatReward(format), 0.5), new WeightedReward(new AccuracyReward(verifier, format), 0.5)], "soft_format_accuracy");

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<RewardOutput> Score(IReadOnlyList<RewardInput> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var perTerm = new IReadOnlyList<RewardOutput>[_terms.Count];
        for (int k = 0; k < _terms.Count; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            perTerm[k] = _terms[k].Function.Score(batch, cancellationToken);
            if (perTerm[k].Count != batch.Count)
                throw new InvalidOperationException($"Reward '{_terms[k].Function.Name}' returned {perTerm[k].Count} outputs for {batch.Count} inputs.");
        }
        var results = new RewardOutput[batch.Count];
        for (int i = 0; i < batch.Count; i++)
        {
            double sum = 0;
            bool any = false;
            bool? correct = null, formatOk = null;
            var components = new Dictionary<string, double>(StringComparer.Ordinal);
            for (int k = 0; k < _terms.Count; k++)
            {
                var o = perTerm[k][i];
                if (o.Score is double s)
                {
                    if (!double.IsFinite(s))
                        throw new InvalidOperationException($"Reward '{_terms[k].Function.Name}' gave {s} for input {i} (prompt '{batch[i].Prompt.Id}').");
                    components[_terms[k].Function.Name] = s;
                    sum += _terms[k].Weight * s;
                    any = true;
                }
                foreach (var (key, value) in o.Components) components.TryAdd(key, value);
                correct ??= o.Correct;
                formatOk ??= o.FormatOk;
            }
            results[i] = new RewardOutput(any ? sum : null, components) { Correct = correct, FormatOk = formatOk };
        }
        return results;
    }
}
