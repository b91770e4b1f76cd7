namespace VisionR1.Grpo.Advantages;

/// <summary>How a completion's centred reward (r − mean of its group) is scaled.</summary>
public enum AdvantageScaling
{
    /// <summary>Divide by the standard deviation of the rewards in the same group (GRPO as published; Vision-R1's setting).</summary>
    GroupStd,

    /// <summary>Divide by the standard deviation of all rewards in the batch (TRL's <c>scale_rewards="batch"</c>), which keeps low-spread groups from being amplified.</summary>
    BatchStd,

    /// <summary>No scaling: the advantage is the centred reward (Dr.GRPO, which removes the std term as a source of difficulty bias).</summary>
    None,
}
