namespace VisionR1.Grpo.Rewards;

/// <summary>Settings of <see cref="OverlongPenalty"/>.</summary>
/// <param name="MaxCompletionTokens">
/// The completion-length cap L_max (DAPO used 20,480), or null to use the cap each completion was sampled under
/// (<see cref="RewardContext.MaxCompletionLength"/>: under PTST the stage's cap, e.g. 4,096 then 8,192).
/// </param>
/// <param name="BufferTokens">The soft-penalty interval L_cache before the cap (DAPO: 4,096); at most the cap.</param>
/// <param name="PenaltyFactor">Scale of the penalty (1 gives a penalty in [-1, 0]).</param>
public sealed record OverlongPenaltyOptions(int? MaxCompletionTokens = 20_480, int BufferTokens = 4_096, double PenaltyFactor = 1.0);

/// <summary>
/// DAPO's soft overlong punishment (Yu et al. 2025, §3.4): with length L, cap L_max and buffer L_cache,
/// the score is 0 for L ≤ L_max − L_cache, falls linearly to −1 across the buffer,
/// ((L_max − L_cache) − L) / L_cache, and is −1 beyond the cap; times <see cref="OverlongPenaltyOptions.PenaltyFactor"/>.
/// Add it to another reward with <see cref="WeightedSumReward"/>. The length is <see cref="RewardContext.CompletionTokens"/>;
/// with no fixed cap the stage's (<see cref="RewardContext.MaxCompletionLength"/>) is used, and a completion scored
/// without one is an error naming the item. Component: <c>overlong</c>.
/// </summary>
public sealed class OverlongPenalty : PerItemReward
{
    /// <summary>A penalty with the given settings.</summary>
    public OverlongPenalty(OverlongPenaltyOptions? options = null)
    {
        Options = options ?? new OverlongPenaltyOptions();
        if (Options.MaxCompletionTokens is <= 0) throw new ArgumentException("MaxCompletionTokens must be positive.", nameof(options));
        if (Options.BufferTokens <= 0 || Options.BufferTokens > Options.MaxCompletionTokens)
            throw new ArgumentException("BufferTokens must be in (0, MaxCompletionTokens].", nameof(options));
        if (!double.IsFinite(Options.PenaltyFactor)) throw new ArgumentException("PenaltyFactor must be finite.", nameof(options));
    }

    /// <summary>The settings in use.</summary>
    public OverlongPenaltyOptions Options { get; }

    /// <inheritdoc />
    public override string Name => "overlong";

    /// <summary>The penalty for a completion of <paramref name="tokens"/> tokens under the cap <paramref name="maxCompletionTokens"/> (the options' cap when null).</summary>
    /// <exception cref="ArgumentException">No cap is given here or in the options, or the buffer exceeds the cap.</exception>
    public double Penalty(int tokens, int? maxCompletionTokens = null)
    {
        int lmax = maxCompletionTokens ?? Options.MaxCompletionTokens
            ?? throw new ArgumentException("The overlong penalty has no cap: set MaxCompletionTokens or score within a PTST stage.", nameof(maxCompletionTokens));
        int cache = Options.BufferTokens;
        if (cache > lmax) throw new ArgumentException($"The buffer of {cache} tokens exceeds the cap of {lmax}.", nameof(maxCompletionTokens));
        double p = tokens <= lmax - cache ? 0
            : tokens <= lmax ? (double)((lmax - cache) - tokens) / cache
            : -1;
        return p * Options.PenaltyFactor;
    }

    /// <inheritdoc />
    protected override RewardOutput ScoreOne(RewardInput input, int index)
    {
        var context = input.Context;
        if (context.CompletionTokens < 0)
            throw new ArgumentException($"Batch item {index} ('{input.Prompt.Id}'): the completion length must be non-negative, got {context.CompletionTokens}.");
        int? cap = Options.MaxCompletionTokens ?? context.MaxCompletionLength
            ?? throw new ArgumentException($"Batch item {index} ('{input.Prompt.Id}'): the overlong penalty has no cap (no MaxCompletionTokens, and the context names no stage cap).");
        double p = Penalty(context.CompletionTokens, cap);
        return new RewardOutput(p, new Dictionary<string, double> { ["overlong"] = p });
    }
}
