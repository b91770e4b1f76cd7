namespace VisionR1.Grpo.Training;

/// <summary>
/// A named member of the GRPO family: <see cref="GrpoOptions.Algorithm"/> takes the estimator, loss, aggregation, clip ranges, KL
/// and sampling defaults from its paper (<see cref="AlgorithmDefaults.For"/>); options set explicitly win. Parsed from the names
/// <c>grpo|dr_grpo|dapo|gspo|cispo|rloo|reinforce_pp</c> by <see cref="GrpoAlgorithmNames.Parse"/>.
/// </summary>
public enum GrpoAlgorithm
{
    /// <summary>GRPO as in DeepSeekMath (arXiv:2402.03300) with Vision-R1's settings: group z-score, token-level clip ε = 0.2, k3 KL with β = 1e-2, token mean. The default.</summary>
    Grpo,

    /// <summary>Dr. GRPO (arXiv:2503.20783): mean-only advantage, Σ/(B·L_max) aggregation, no KL term.</summary>
    DrGrpo,

    /// <summary>DAPO (arXiv:2503.14476): clip-higher ε_high = 0.28, token mean, dynamic sampling, overlong filtering, no KL term.</summary>
    Dapo,

    /// <summary>GSPO (arXiv:2507.18071): sequence-level ratio clipped per sequence with ε_low = 3e-4, ε_high = 4e-4, mean over sequences, no KL term.</summary>
    Gspo,

    /// <summary>CISPO (MiniMax-M1, arXiv:2506.13585): clipped, stop-gradient importance weight on the log-probability, no lower bound, token mean, no KL term.</summary>
    Cispo,

    /// <summary>RLOO (arXiv:2402.14740): leave-one-out baseline, k1 KL folded into the reward, REINFORCE's summed sequence log-likelihood.</summary>
    Rloo,

    /// <summary>REINFORCE++ with baseline (arXiv:2501.03262): group mean then batch normalisation, k2 KL in the loss, token-level clip ε = 0.2, token mean.</summary>
    ReinforcePlusPlus,
}
