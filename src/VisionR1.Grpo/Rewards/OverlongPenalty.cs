namespace VisionR1.Grpo.Rewards;

/// <summary>Settings of <see cref="OverlongPenalty"/>.</summary>
/// <param name="MaxCompletionTokens">The completion-length cap L_max (DAPO used 20,480; under PTST set it to the stage cap, e.g. 4,096 then 8,192).</param>
/// <param name="BufferTokens">The soft-penalty interval L_cache before the cap (DAPO: 4,096).</param>
/// <param name="PenaltyFactor">Scale of the penalty (1 gives a penalty in [-1, 0]).</param>
/// <param name="TokensKey">The <see cref="RewardInput.Extra"/> key holding the completion length in tokens (an integer).</param>
public sealed record OverlongPenaltyOptions(int MaxCompletionTokens = 20_480, int BufferTokens = 4_096, double PenaltyFactor = 1.0, string TokensKey = "completion_tokens");

/// <summary>
/// DAPO's soft overlong punishment (Yu et al. 2025, §3.4): with length L, cap L_max and buffer L_cache,
/// the score is 0 for L ≤ L_max − L_cache, falls linearly to −1 across the buffer,
/// ((L_max − L_cache) − L) / L_cache, and is −1 beyond the cap; times <see cref="OverlongPenaltyOptions.PenaltyFactor"/>.
/// Add it to another reward with <see cref="WeightedSumReward"/>. The length in tokens must be given in
/// <see cref="RewardInput.Extra"/> under <see cref="OverlongPenaltyOptions.TokensKey"/> (default
/// <c>completion_tokens</c>); a missing or non-integer value is an error naming the item.
/// Component: <c>overlong</c>.
/// </summary>
public sealed class OverlongPenalty : PerItemReward
{
    /// <summary>A penalty with the given settings.</summary>
    public OverlongPenalty(OverlongPenaltyOptions? options = null)
    {
        Options = options ?? new OverlongPenaltyOptions();
        if (Options.MaxCompletionTokens <= 0) throw new ArgumentException("MaxCompletionTokens must be positive.", nameof(options));
        if (Options.BufferTokens <= 0 || Options.BufferTokens > Options.MaxCompletionTokens)
            throw new ArgumentException("BufferTokens must be in (0, MaxCompletionTokens].", nameof(options));
    }

    /// <summary>The settings in use.</summary>
    public OverlongPenaltyOptions Options { get; }

    /// <inheritdoc />
    public override string Name => "overlong";

    /// <summary>The penalty for a completion of <paramref name="tokens"/> tokens.</summary>
    public double Penalty(int tokens)
    {
        int lmax = Options.MaxCompletionTokens, cache = Options.BufferTokens;
        double p = tokens <= lmax - cache ? 0
            : tokens <= lmax ? (double)((lmax - cache) - tokens) / cache
            : -1;
        return p * Options.PenaltyFactor;
    }

    /// <inheritdoc />
    protected override RewardOutput ScoreOne(RewardInput input, int index)
    {
        object? raw = null;
        if (input.Extra is null || !input.Extra.TryGetValue(Options.TokensKey, out raw) || RewardContext.ReadInt(raw) is not int tokens || tokens < 0)
            throw new ArgumentException(
                $"Batch item {index}: the overlong penalty needs the completion length in tokens as a non-negative integer in Extra[\"{Options.TokensKey}\"]" +
                (raw is null ? " (missing)." : $" (got '{raw}')."));
        double p = Penalty(tokens);
        return new RewardOutput(p, new Dictionary<string, double> { ["overlong"] = p });
    }
}
