namespace VisionR1.Grpo.Loss;

/// <summary>
/// Which importance ratio the policy-gradient term uses and how it is clipped (<see cref="GrpoLoss"/>). With ρ_{i,t} = π_θ / π_old
/// of token t of completion i, Â the advantage and ε_low, ε_high the clip ranges of <see cref="GrpoLossOptions"/>.
/// </summary>
public enum PolicyObjective
{
    /// <summary>
    /// PPO's token-level clipped surrogate as in GRPO (Shao et al. 2024, arXiv:2402.03300):
    /// ℓ_{i,t} = −min(ρ_{i,t}·Â, clip(ρ_{i,t}, 1 − ε_low, 1 + ε_high)·Â). The default.
    /// </summary>
    TokenClip,

    /// <summary>
    /// GSPO's sequence-level ratio (Zheng et al. 2025, "Group Sequence Policy Optimization", arXiv:2507.18071): the length-normalised
    /// log-ratio s_i = exp((1 / |o_i|) Σ_t log ρ_{i,t}), clipped per sequence, ℓ_i = −min(s_i·Â_i, clip(s_i, 1 − ε_low, 1 + ε_high)·Â_i),
    /// written on every token of the completion (so <see cref="LossAggregation.SequenceMean"/> gives the paper's mean over sequences).
    /// </summary>
    SequenceClip,

    /// <summary>
    /// GSPO-token (same paper): s_{i,t} = sg[s_i] · π_θ(o_{i,t}) / sg[π_θ(o_{i,t})], equal to s_i in value, with a per-token gradient so
    /// that per-token advantages can be used; ℓ_{i,t} = −min(s_{i,t}·Â_{i,t}, clip(s_{i,t}, 1 − ε_low, 1 + ε_high)·Â_{i,t}).
    /// With one advantage per completion its gradient equals <see cref="SequenceClip"/>'s.
    /// </summary>
    SequenceClipToken,

    /// <summary>
    /// CISPO (MiniMax 2025, "MiniMax-M1: Scaling Test-Time Compute Efficiently with Lightning Attention", arXiv:2506.13585): the
    /// clipped importance weight, with its gradient stopped, times the log-probability, ℓ_{i,t} = −sg[clip(ρ_{i,t}, 1 − ε_low, 1 + ε_high)]·Â·log π_θ(o_{i,t}).
    /// No token's gradient is dropped by the clip, only its weight bounded. The dual clip does not apply.
    /// </summary>
    Cispo,
}
