namespace VisionR1.Grpo.Training;

/// <summary>Turns samples into a supervised batch (chat template, assistant-token mask).</summary>
/// <typeparam name="TSample">The data item.</typeparam>
public interface ISftCollator<in TSample>
{
    /// <summary>Collates the samples, one row each, in order.</summary>
    SftBatch Collate(IReadOnlyList<TSample> samples);

    /// <summary>
    /// Collates one optimizer step's samples into micro-batches of at most <paramref name="maxTokens"/> padded positions each
    /// (rows × the longest row), putting samples of similar length together so that little of each micro-batch is padding
    /// (<see cref="SftOptions.MaxMicroBatchTokens"/>). A sample longer than the budget gets a micro-batch of its own. The
    /// step's token-mean loss and so its gradient do not depend on how the samples are grouped. The default implementation
    /// does not know the samples' lengths before collating: it collates them in order, <paramref name="maxRows"/> at a time.
    /// </summary>
    /// <param name="samples">The step's samples.</param>
    /// <param name="maxRows">Rows per micro-batch for collators that cannot measure lengths (the step's micro-batch size).</param>
    /// <param name="maxTokens">Padded positions per micro-batch.</param>
    IReadOnlyList<SftBatch> CollateWithinTokens(IReadOnlyList<TSample> samples, int maxRows, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        var batches = new List<SftBatch>();
        try
        {
            for (int s = 0; s < samples.Count; s += maxRows)
                batches.Add(Collate(samples.Skip(s).Take(maxRows).ToList()));
            return batches;
        }
        catch
        {
            foreach (var b in batches) b.Dispose();
            throw;
        }
    }
}
