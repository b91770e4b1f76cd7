namespace VisionR1.Grpo.Advantages;

/// <summary>Which baseline and normalisation turn a completion's reward into its advantage (<see cref="GroupAdvantages.Compute(ReadOnlySpan{double}, ReadOnlySpan{int}, AdvantageOptions?)"/>).</summary>
public enum AdvantageEstimator
{
    /// <summary>
    /// GRPO's group z-score (Shao et al. 2024, "DeepSeekMath", arXiv:2402.03300): Â_i = (r_i − mean_G r) / (std_G r + ε), the
    /// divisor chosen by <see cref="AdvantageOptions.Scaling"/>. The default, as in Vision-R1.
    /// </summary>
    Grpo,

    /// <summary>
    /// Dr. GRPO's mean-only advantage (Liu et al. 2025, "Understanding R1-Zero-Like Training: A Critical Perspective",
    /// arXiv:2503.20783): Â_i = r_i − mean_G r, no division by a standard deviation (which favours groups whose rewards barely
    /// differ). Equal to <see cref="Grpo"/> with <see cref="AdvantageScaling.None"/>; <see cref="AdvantageOptions.Scaling"/> is ignored.
    /// </summary>
    DrGrpo,

    /// <summary>
    /// RLOO's leave-one-out baseline (Ahmadian et al. 2024, "Back to Basics: Revisiting REINFORCE Style Optimization for Learning
    /// from Human Feedback in LLMs", arXiv:2402.14740): Â_i = r_i − (1 / (G − 1)) Σ_{j≠i} r_j = G / (G − 1) · (r_i − mean_G r); a
    /// group of one has no baseline and gets 0 (<see cref="LeaveOneOutAdvantages"/>).
    /// </summary>
    Rloo,

    /// <summary>
    /// REINFORCE++ with baseline (Hu et al. 2025, "REINFORCE++: An Efficient RLHF Algorithm with Robustness to Both Prompt and
    /// Reward Models", arXiv:2501.03262): Ã_i = r_i − mean_G r, then normalised over the whole batch,
    /// Â_i = (Ã_i − mean_B Ã) / (std_B Ã + ε) (<see cref="BatchNormalizedAdvantages"/>).
    /// </summary>
    ReinforcePlusPlus,
}
