using VisionR1.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Loss;

/// <summary>
/// The GRPO-family objective as a pure function of tensors. Per token, by default (GRPO, <see cref="PolicyObjective.TokenClip"/>):
/// <code>
/// ρ = exp(clamp(log π − log π_old, ±c))
/// ℓ = −min(ρ·Â, clip(ρ, 1 − ε_low, 1 + ε_high)·Â)            (capped at c_dual·|Â| when Â &lt; 0 and dual clip is on)
///   + β·(exp(d) − d − 1),  d = clamp(log π_ref − log π, ±c)    (k3 KL estimator)
/// </code>
/// then reduced by <see cref="LossAggregation"/>. <see cref="GrpoLossOptions.Objective"/> swaps the policy-gradient term for GSPO's
/// sequence-level ratio s_i = exp(clamp(Σ_t m·(log π − log π_old) / Σ_t m, ±c)) (and GSPO-token's) or CISPO's
/// −sg[clip(ρ, 1 − ε_low, 1 + ε_high)]·Â·log π; <see cref="GrpoLossOptions.Kl"/> picks the KL estimator (<see cref="KlDivergence"/>), and
/// <see cref="GrpoLossOptions.KlInReward"/> leaves the KL out of the loss (it is then in the advantages). With
/// <see cref="GrpoLossInputs.ImportanceWeights"/> w, the policy-gradient term (before the KL) is multiplied by w per token: the truncated
/// importance-sampling correction of a remote rollout engine.
/// </summary>
/// <remarks>
/// With one policy update per rollout (μ = 1) the old log-probs are the current ones detached,
/// so ρ ≡ 1 and the clipped term equals −Â for every token. Since the advantages of each group are
/// centred, the loss value then sits near 0 (exactly 0 under the per-sequence mean with β = 0):
/// this is expected and not a sign that nothing is learnt — the gradient, −Â·∇log π, is not zero.
/// Watch reward, KL and clip fraction instead of the loss value.
/// </remarks>
public static class GrpoLoss
{
    /// <summary>
    /// Computes the loss. <paramref name="denominator"/> gives the normalisers of the whole optimisation batch
    /// when this is one micro-batch of it; null takes them from this batch.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes disagree, or β &gt; 0 without reference log-probs.</exception>
    public static GrpoLossResult Compute(GrpoLossInputs inputs, GrpoLossOptions? options = null, LossDenominator? denominator = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        options ??= new GrpoLossOptions();
        options.Validate();
        Check(inputs, options);

        using var scope = NewDisposeScope();
        var logp = inputs.LogProbs;
        var dtype = logp.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        logp = logp.to_type(dtype);
        var old = inputs.OldLogProbs.detach().to_type(dtype);
        var mask = inputs.CompletionMask.detach().to_type(dtype);
        var adv = inputs.Advantages.detach().to_type(dtype);
        if (adv.dim() == 1) adv = adv.unsqueeze(1);
        double c = options.LogRatioClamp;
        double lo = 1 - options.EpsilonLow, hi = 1 + options.EffectiveEpsilonHigh;

        var ratio = Ratio(logp, old, mask, options.Objective, c);
        Tensor pg;
        if (options.Objective == PolicyObjective.Cispo)
            pg = -(Scalars.Clamp(ratio, lo, hi).detach() * adv * logp);
        else
        {
            var unclipped = ratio * adv;
            var clipped = Scalars.Clamp(ratio, lo, hi) * adv;
            pg = -minimum(unclipped, clipped);
            if (options.DualClip is { } dual)
                pg = where(Scalars.Less(adv, 0), minimum(pg, Scalars.Mul(adv, -dual)), pg);
        }
        if (inputs.ImportanceWeights is { } weights)
            pg = pg * weights.detach().to_type(dtype);

        Tensor? kl = null;
        var perToken = pg;
        if (inputs.RefLogProbs is not null)
        {
            kl = KlDivergence.PerToken(logp, inputs.RefLogProbs, options.Kl, c);
            if (options.Beta != 0 && !options.KlInReward) perToken = Scalars.Add(pg, Scalars.Mul(kl, options.Beta));
        }

        var loss = Aggregate(perToken * mask, mask, options, denominator ?? LossDenominator.For(inputs.CompletionMask, null));
        var stats = Statistics(ratio, pg, kl, mask, adv, inputs.Entropy, options);
        return new GrpoLossResult(loss.MoveToOuterDisposeScope(), stats);
    }

    /// <summary>
    /// The importance ratio per token, (B, L): π/π_old per token, or GSPO's length-normalised sequence ratio written on every token
    /// (with GSPO-token's per-token gradient). CISPO uses the per-token ratio.
    /// </summary>
    private static Tensor Ratio(Tensor logp, Tensor old, Tensor mask, PolicyObjective objective, double c)
    {
        if (objective is PolicyObjective.TokenClip or PolicyObjective.Cispo) return Scalars.Clamp(logp - old, -c, c).exp();
        var meanLogRatio = ((logp - old) * mask).sum(1, keepdim: true) / Scalars.ClampMin(mask.sum(1, keepdim: true), 1.0);
        var sequence = Scalars.Clamp(meanLogRatio, -c, c).exp();
        return objective switch
        {
            PolicyObjective.SequenceClip => sequence.expand(logp.shape),
            PolicyObjective.SequenceClipToken => sequence.detach() * (logp - logp.detach()).exp(),
            _ => throw new ArgumentOutOfRangeException(nameof(objective), objective, "Unknown policy objective."),
        };
    }

    /// <summary>The loss from the masked per-token terms, normalised as <see cref="GrpoLossOptions.Aggregation"/> says.</summary>
    private static Tensor Aggregate(Tensor masked, Tensor mask, GrpoLossOptions options, LossDenominator denominator) => options.Aggregation switch
    {
        LossAggregation.TokenMean => Scalars.Div(masked.sum(), Math.Max(denominator.TokenCount, 1.0)),
        LossAggregation.SequenceMean => Scalars.Div((masked.sum(1) / Scalars.ClampMin(mask.sum(1), 1.0)).sum(), Math.Max(denominator.SequenceCount, 1)),
        LossAggregation.DrGrpo => Scalars.Div(masked.sum(), Math.Max((double)denominator.SequenceCount * denominator.MaxCompletionLength, 1.0)),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Aggregation, "Unknown aggregation."),
    };

    /// <summary>Means over the counted tokens of the surrogate, the KL, the entropy, the clip regions and the ratio, without gradient.</summary>
    private static GrpoLossStats Statistics(Tensor ratio, Tensor pg, Tensor? kl, Tensor mask, Tensor adv, Tensor? entropy, GrpoLossOptions options)
    {
        using var _ = no_grad();
        var dtype = mask.dtype;
        double lo = 1 - options.EpsilonLow, hi = 1 + options.EffectiveEpsilonHigh;
        double tokens = mask.sum().ToDouble();
        double Mean(Tensor t) => tokens > 0 ? (t.detach() * mask).sum().ToDouble() / tokens : 0;
        var r = ratio.detach();
        var negative = Scalars.Less(adv, 0).to_type(dtype);
        var positive = Scalars.Greater(adv, 0).to_type(dtype);
        // CISPO clips the weight of every token outside the range; the clipped surrogates only where the clip binds.
        bool weightClip = options.Objective == PolicyObjective.Cispo;
        var low = weightClip ? Scalars.Less(r, lo).to_type(dtype) : Scalars.Less(r, lo).to_type(dtype) * negative;
        var high = weightClip ? Scalars.Greater(r, hi).to_type(dtype) : Scalars.Greater(r, hi).to_type(dtype) * positive;
        var dualRegion = options.DualClip is { } cd && !weightClip ? Scalars.Greater(r, cd).to_type(dtype) * negative : zeros_like(r);
        var valid = Scalars.Greater(mask, 0);
        double rMin = tokens > 0 ? r.masked_select(valid).min().ToDouble() : 1;
        double rMax = tokens > 0 ? r.masked_select(valid).max().ToDouble() : 1;
        return new GrpoLossStats
        {
            TokenCount = tokens,
            PolicyLoss = Mean(pg),
            Kl = kl is null ? 0 : Mean(kl),
            Entropy = entropy is null ? null : Mean(entropy.to_type(dtype)),
            ClipFraction = Mean(Scalars.Add(low, high)),
            LowClipFraction = Mean(low),
            HighClipFraction = Mean(high),
            DualClipFraction = Mean(dualRegion),
            RatioMean = tokens > 0 ? Mean(r) : 1,
            RatioMin = rMin,
            RatioMax = rMax,
        };
    }

    private static void Check(GrpoLossInputs inputs, GrpoLossOptions options)
    {
        var shape = inputs.LogProbs.shape;
        if (shape.Length != 2) throw new ArgumentException($"LogProbs must be (B, L); got [{string.Join(", ", shape)}].", nameof(inputs));
        void Same(Tensor? t, string name)
        {
            if (t is not null && !t.shape.SequenceEqual(shape))
                throw new ArgumentException($"{name} has shape [{string.Join(", ", t.shape)}] but LogProbs has [{string.Join(", ", shape)}].", nameof(inputs));
        }
        Same(inputs.OldLogProbs, nameof(GrpoLossInputs.OldLogProbs));
        Same(inputs.RefLogProbs, nameof(GrpoLossInputs.RefLogProbs));
        Same(inputs.CompletionMask, nameof(GrpoLossInputs.CompletionMask));
        Same(inputs.Entropy, nameof(GrpoLossInputs.Entropy));
        Same(inputs.ImportanceWeights, nameof(GrpoLossInputs.ImportanceWeights));
        var a = inputs.Advantages.shape;
        bool advOk = (a.Length == 1 && a[0] == shape[0]) || a.SequenceEqual(shape);
        if (!advOk) throw new ArgumentException($"Advantages must be (B) or (B, L) with B = {shape[0]}; got [{string.Join(", ", a)}].", nameof(inputs));
        if (options.Beta > 0 && !options.KlInReward && inputs.RefLogProbs is null)
            throw new ArgumentException($"β = {options.Beta} needs reference log-probs; pass RefLogProbs or set Beta = 0.", nameof(inputs));
    }
}
