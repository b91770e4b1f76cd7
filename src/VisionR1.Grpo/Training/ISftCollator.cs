namespace VisionR1.Grpo.Training;

/// <summary>Turns samples into a supervised batch (chat template, assistant-token mask).</summary>
/// <typeparam name="TSample">The data item.</typeparam>
public interface ISftCollator<in TSample>
{
    /// <summary>Collates the samples, one row each, in order.</summary>
    SftBatch Collate(IReadOnlyList<TSample> samples);
}
