namespace VisionR1.Grpo.Loss;

/// <summary>How per-token losses become one number.</summary>
public enum LossAggregation
{
    /// <summary>
    /// Mean over every completion token in the batch, Σ m·ℓ / Σ m (DAPO's and verl's default; long and
    /// short completions weigh each token equally). The default here.
    /// </summary>
    TokenMean,

    /// <summary>
    /// Mean over each completion's tokens, then mean over completions (the original GRPO). User reports tie
    /// it to length collapse, since a long wrong answer is penalised less per token than a short one.
    /// </summary>
    SequenceMean,

    /// <summary>Σ m·ℓ / (B · L_max) with L_max the completion-length cap (Dr.GRPO): a constant normaliser, no length bias.</summary>
    DrGrpo,
}
