namespace VisionR1.Grpo.Loss;

/// <summary>Statistics of one loss evaluation, each a mean over the counted completion tokens.</summary>
/// <param name="TokenCount">Completion tokens counted (Σ mask).</param>
/// <param name="PolicyLoss">Mean of the clipped surrogate part of the per-token loss.</param>
/// <param name="Kl">Mean k3 KL to the reference (0 without a reference).</param>
/// <param name="Entropy">Mean entropy of the policy per token, or null when not given.</param>
/// <param name="ClipFraction">Fraction of tokens whose objective is clipped (low or high region).</param>
/// <param name="LowClipFraction">Fraction with ρ &lt; 1 − ε_low and Â &lt; 0.</param>
/// <param name="HighClipFraction">Fraction with ρ &gt; 1 + ε_high and Â &gt; 0.</param>
/// <param name="DualClipFraction">Fraction capped by the dual clip (Â &lt; 0 and ρ &gt; c); 0 when it is off.</param>
/// <param name="RatioMean">Mean of ρ = π/π_old.</param>
/// <param name="RatioMin">Smallest ρ.</param>
/// <param name="RatioMax">Largest ρ.</param>
public sealed record GrpoLossStats(
    double TokenCount,
    double PolicyLoss,
    double Kl,
    double? Entropy,
    double ClipFraction,
    double LowClipFraction,
    double HighClipFraction,
    double DualClipFraction,
    double RatioMean,
    double RatioMin,
    double RatioMax);
