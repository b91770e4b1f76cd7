using System.Diagnostics;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rewards;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Rollout;

/// <summary>
/// The sampling half of a rollout: G completions per prompt from the policy (each prompt encoded once, its
/// samples drawn by the policy's generator), decoded and scored by the weighted rewards.
/// </summary>
public sealed class GroupSampler(IPolicyModel policy, IPromptEncoder encoder, ITextTokenizer tokenizer, IReadOnlyList<WeightedReward> rewards)
{
    private readonly IPolicyModel _policy = policy ?? throw new ArgumentNullException(nameof(policy));
    private readonly IPromptEncoder _encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
    private readonly ITextTokenizer _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
    private readonly IReadOnlyList<WeightedReward> _rewards = rewards is { Count: > 0 } ? rewards : throw new ArgumentException("At least one reward is needed.", nameof(rewards));

    /// <summary>Seconds spent generating in the last <see cref="Sample"/>.</summary>
    public double LastGenerationSeconds { get; private set; }

    /// <summary>Seconds spent scoring in the last <see cref="Sample"/>.</summary>
    public double LastScoringSeconds { get; private set; }

    /// <summary>
    /// Samples <paramref name="groupSize"/> completions for each prompt and scores them. Generation runs over chunks
    /// of about <paramref name="generationBatchSize"/> completions (whole groups); chunk c samples with a seed derived
    /// from <paramref name="seed"/> and c, so the result depends on the seed alone. Rewards get a <see cref="RewardContext"/> with
    /// each completion's length and truncation, the cap of <paramref name="settings"/>, and <paramref name="step"/>'s step and stage.
    /// </summary>
    public IReadOnlyList<CompletionGroup> Sample(IReadOnlyList<GrpoPrompt> prompts, int groupSize, SamplingSettings settings, long seed,
        int? generationBatchSize = null, CancellationToken cancellationToken = default, RolloutStep? step = null)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (groupSize < 1) throw new ArgumentOutOfRangeException(nameof(groupSize));
        var expanded = prompts.SelectMany(p => Enumerable.Repeat(p, groupSize)).ToList();
        int chunk = Math.Max(1, (generationBatchSize ?? expanded.Count) / groupSize);
        var tokens = new List<long[]>(expanded.Count);
        var truncated = new List<bool>(expanded.Count);

        var sw = Stopwatch.StartNew();
        bool wasTraining = _policy.Module.training;
        _policy.Module.eval();
        try
        {
            using var _ = no_grad();
            for (int start = 0, index = 0; start < prompts.Count; start += chunk, index++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var unique = prompts.Skip(start).Take(chunk).ToList();
                int rows = unique.Count * groupSize;
                using var batch = _encoder.Encode(unique);
                using var sampled = _policy.Generate(batch, groupSize, settings, SeedMixer.Mix(seed, index), cancellationToken);
                if (sampled.Ids.shape[0] != rows)
                    throw new InvalidOperationException($"The policy returned {sampled.Ids.shape[0]} completions for {unique.Count} prompts × {groupSize} samples.");
                var ids = sampled.Ids.to(CPU).to_type(ScalarType.Int64);
                var mask = sampled.Mask.to(CPU).to_type(ScalarType.Int64);
                long width = ids.shape[1];
                var idData = ids.data<long>().ToArray();
                var maskData = mask.data<long>().ToArray();
                for (int r = 0; r < rows; r++)
                {
                    int len = 0;
                    for (long c = 0; c < width; c++) if (maskData[r * width + c] != 0) len = (int)c + 1;
                    tokens.Add(idData.AsSpan((int)(r * width), len).ToArray());
                    truncated.Add(sampled.Truncated[r]);
                }
            }
        }
        finally
        {
            if (wasTraining) _policy.Module.train();
        }
        LastGenerationSeconds = sw.Elapsed.TotalSeconds;

        sw.Restart();
        var texts = tokens.Select(t => _tokenizer.Decode(t.Select(x => (int)x), skipSpecial: true)).ToList();
        var inputs = expanded.Select((p, i) => new RewardInput(p, texts[i],
            new RewardContext(tokens[i].Length, truncated[i], settings.MaxNewTokens, step?.Step ?? 0, step?.StageIndex ?? 0, step?.Stage))).ToList();
        var totals = new double[expanded.Count];
        var correct = new bool?[expanded.Count];
        var formatOk = new bool?[expanded.Count];
        var parts = Enumerable.Range(0, expanded.Count).Select(_ => new Dictionary<string, double>(StringComparer.Ordinal)).ToArray();
        foreach (var reward in _rewards)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var outputs = reward.Function.Score(inputs, cancellationToken);
            if (outputs.Count != inputs.Count)
                throw new InvalidOperationException($"Reward '{reward.Function.Name}' returned {outputs.Count} scores for {inputs.Count} completions.");
            for (int i = 0; i < outputs.Count; i++)
            {
                if (outputs[i].Score is { } score)
                {
                    if (!double.IsFinite(score))
                        throw new InvalidOperationException($"Reward '{reward.Function.Name}' gave {score} for completion {i} of prompt '{expanded[i].Id}'.");
                    totals[i] += reward.Weight * score;
                    parts[i][reward.Function.Name] = score;
                }
                foreach (var (name, value) in outputs[i].Components)
                    parts[i].TryAdd(name, value);
                correct[i] ??= outputs[i].Correct;
                formatOk[i] ??= outputs[i].FormatOk;
            }
        }
        LastScoringSeconds = sw.Elapsed.TotalSeconds;

        var groups = new List<CompletionGroup>(prompts.Count);
        for (int g = 0; g < prompts.Count; g++)
        {
            var list = new List<ScoredCompletion>(groupSize);
            for (int k = 0; k < groupSize; k++)
            {
                int i = g * groupSize + k;
                list.Add(new ScoredCompletion(expanded[i], tokens[i], truncated[i], texts[i], totals[i], parts[i]) { Correct = correct[i], FormatOk = formatOk[i] });
            }
            groups.Add(new CompletionGroup(prompts[g], list));
        }
        return groups;
    }
}
