namespace VisionR1.Grpo.Loss;

/// <summary>Statistics of one loss evaluation, each a mean over the counted completion tokens.</summary>
public sealed record GrpoLossStats
{
    /// <summary>Completion tokens counted (Σ mask).</summary>
    public required double TokenCount { get; init; }

    /// <summary>Mean of the policy-gradient part of the per-token loss (the clipped surrogate, or CISPO's weighted log-probability).</summary>
    public required double PolicyLoss { get; init; }

    /// <summary>Mean KL to the reference, by the estimator of <see cref="GrpoLossOptions.Kl"/> (0 without a reference).</summary>
    public required double Kl { get; init; }

    /// <summary>Mean entropy of the policy per token, or null when not given.</summary>
    public required double? Entropy { get; init; }

    /// <summary>Fraction of tokens whose objective is clipped (low or high region).</summary>
    public required double ClipFraction { get; init; }

    /// <summary>Fraction with ρ &lt; 1 − ε_low and Â &lt; 0.</summary>
    public required double LowClipFraction { get; init; }

    /// <summary>Fraction with ρ &gt; 1 + ε_high and Â &gt; 0.</summary>
    public required double HighClipFraction { get; init; }

    /// <summary>Fraction capped by the dual clip (Â &lt; 0 and ρ &gt; c); 0 when it is off.</summary>
    public required double DualClipFraction { get; init; }

    /// <summary>Mean of ρ = π/π_old.</summary>
    public required double RatioMean { get; init; }

    /// <summary>Smallest ρ.</summary>
    public required double RatioMin { get; init; }

    /// <summary>Largest ρ.</summary>
    public required double RatioMax { get; init; }
}
