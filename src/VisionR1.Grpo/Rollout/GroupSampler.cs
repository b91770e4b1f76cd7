using System.Diagnostics;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rewards;
using VisionR1.Grpo.Rollout.Engines;
using VisionR1.Text;

namespace VisionR1.Grpo.Rollout;

/// <summary>
/// The sampling half of a rollout: G completions per prompt from a rollout engine (by default the policy itself, each prompt
/// encoded once, its samples drawn by the policy's generator), decoded and scored by the weighted rewards.
/// </summary>
public sealed class GroupSampler
{
    private readonly IRolloutEngine _engine;
    private readonly ITextTokenizer _tokenizer;
    private readonly WeightedSumReward _reward; // the trainer's rewards, summed with their weights
    private readonly string _completionPrefix;

    /// <summary>A sampler that generates with <paramref name="policy"/> in this process (<see cref="InProcessRolloutEngine"/>, per-chunk seeds).</summary>
    public GroupSampler(IPolicyModel policy, IPromptEncoder encoder, ITextTokenizer tokenizer, IReadOnlyList<WeightedReward> rewards)
        : this(new InProcessRolloutEngine(policy ?? throw new ArgumentNullException(nameof(policy)), encoder ?? throw new ArgumentNullException(nameof(encoder))), tokenizer, rewards, encoder.CompletionPrefix)
    {
    }

    /// <summary>
    /// A sampler that generates through <paramref name="engine"/> (not disposed by the sampler). Rewards read
    /// <paramref name="completionPrefix"/> (<see cref="IPromptEncoder.CompletionPrefix"/>: what the prompt already opened in
    /// the reply) in front of each decoded completion.
    /// </summary>
    public GroupSampler(IRolloutEngine engine, ITextTokenizer tokenizer, IReadOnlyList<WeightedReward> rewards, string completionPrefix = "")
    {
        _completionPrefix = completionPrefix ?? throw new ArgumentNullException(nameof(completionPrefix));
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _reward = new WeightedSumReward(rewards is { Count: > 0 } ? rewards : throw new ArgumentException("At least one reward is needed.", nameof(rewards)), "reward");
    }

    /// <summary>The engine that generates.</summary>
    public IRolloutEngine Engine => _engine;

    /// <summary>Seconds spent generating in the last <see cref="Sample(RolloutRequest, CancellationToken)"/>.</summary>
    public double LastGenerationSeconds { get; private set; }

    /// <summary>Seconds spent scoring in the last <see cref="Sample(RolloutRequest, CancellationToken)"/>.</summary>
    public double LastScoringSeconds { get; private set; }

    /// <summary>Requests the engine sent again after failures in the last <see cref="Sample(RolloutRequest, CancellationToken)"/>.</summary>
    public int LastRetries { get; private set; }

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
        return Sample(new RolloutRequest(prompts, groupSize, settings, seed, step, 0, generationBatchSize), cancellationToken);
    }

    /// <summary>
    /// Samples the completions <paramref name="request"/> asks for through the engine and scores them. Each completion keeps
    /// the log-probs the engine reported (<see cref="ScoredCompletion.BehaviourLogProbs"/>).
    /// </summary>
    /// <exception cref="RolloutEngineException">The engine failed or returned completions that do not match the request.</exception>
    public IReadOnlyList<CompletionGroup> Sample(RolloutRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var prompts = request.Prompts;
        int groupSize = request.GroupSize;
        var settings = request.Settings;
        var step = request.Step;
        var expanded = prompts.SelectMany(p => Enumerable.Repeat(p, groupSize)).ToList();

        var sw = Stopwatch.StartNew();
        var result = _engine is InProcessRolloutEngine local ? local.Generate(request, cancellationToken)
            : _engine.GenerateAsync(request, cancellationToken).ConfigureAwait(false).GetAwaiter().GetResult();
        if (result.Samples.Count != expanded.Count)
            throw new RolloutEngineException($"The rollout engine '{_engine.Name}' returned {result.Samples.Count} completions for {prompts.Count} prompts × {groupSize} samples.");
        var tokens = new List<long[]>(expanded.Count);
        var truncated = new List<bool>(expanded.Count);
        var behaviour = new List<float[]?>(expanded.Count);
        for (int i = 0; i < result.Samples.Count; i++)
        {
            var s = result.Samples[i];
            if (s.PromptIndex != i / groupSize || s.SampleIndex != i % groupSize)
                throw new RolloutEngineException(request.RequestId(i / groupSize, i % groupSize), $"the engine put completion (prompt {s.PromptIndex}, sample {s.SampleIndex}) in its place.");
            if (s.LogProbs is { } lp && lp.Length != s.Tokens.Length)
                throw new RolloutEngineException(request.RequestId(s.PromptIndex, s.SampleIndex), $"{s.Tokens.Length} tokens but {lp.Length} log-probs.");
            tokens.Add(s.Tokens);
            truncated.Add(s.Truncated);
            behaviour.Add(s.LogProbs);
        }
        LastRetries = result.Retries;
        LastGenerationSeconds = sw.Elapsed.TotalSeconds;

        sw.Restart();
        var texts = tokens.Select(t => _completionPrefix + _tokenizer.Decode(t.Select(x => (int)x), skipSpecial: true)).ToList();
        var inputs = expanded.Select((p, i) => new RewardInput(p, texts[i],
            new RewardContext(tokens[i].Length, truncated[i], settings.MaxNewTokens, step?.Step ?? 0, step?.StageIndex ?? 0, step?.Stage))).ToList();
        var scored = _reward.Score(inputs, cancellationToken); // a completion no reward scored counts 0
        LastScoringSeconds = sw.Elapsed.TotalSeconds;

        var groups = new List<CompletionGroup>(prompts.Count);
        for (int g = 0; g < prompts.Count; g++)
        {
            var list = new List<ScoredCompletion>(groupSize);
            for (int k = 0; k < groupSize; k++)
            {
                int i = g * groupSize + k;
                list.Add(new ScoredCompletion(expanded[i], tokens[i], truncated[i], texts[i], scored[i].Score ?? 0, scored[i].Components)
                    { Correct = scored[i].Correct, FormatOk = scored[i].FormatOk, BehaviourLogProbs = behaviour[i] });
            }
            groups.Add(new CompletionGroup(prompts[g], list));
        }
        return groups;
    }
}
