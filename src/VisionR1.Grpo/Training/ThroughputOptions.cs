namespace VisionR1.Grpo.Training;

/// <summary>
/// How a trainer spreads a step's work over the machine's cores (<see cref="SftOptions.Throughput"/>,
/// <see cref="GrpoOptions.Throughput"/>). These settings never change results: a run gives the same weights, losses and
/// metrics (timings aside) whatever they say, so they can be tuned per machine without touching the science. Settings that
/// look like throughput knobs but change what is computed stay on the trainers' options: the generation split
/// (<see cref="GrpoOptions.GenerationBatchSize"/>, <see cref="GrpoOptions.ConcurrentGenerations"/>) decides which seed samples
/// which prompt, and the micro-batch grouping (<see cref="GrpoOptions.MicroBatchSize"/>, <see cref="SftOptions.MaxMicroBatchTokens"/>)
/// changes the order in which a step's gradients are summed.
/// </summary>
public sealed record ThroughputOptions
{
    /// <summary>
    /// Micro-batches whose forward and backward passes run side by side, each on its own thread with a share of libtorch's
    /// threads (<see cref="VisionR1.Runtime.TensorWorkers"/>): a step's micro-batches in SFT, and in GRPO the update and the
    /// reference (and old-policy) log-prob passes. 1 (the default) runs them in turn. Each micro-batch is the same computation
    /// either way and the gradients are added in micro-batch order, so the update and every log-prob are the same bit for bit
    /// (given kernels that return the same numbers on a share of the threads, as libtorch's CPU kernels do here). At small
    /// model widths one pass keeps two cores only partly busy, so on a two-core machine 2 finishes a step sooner. Runs in turn
    /// whatever this says when the model draws random numbers in training (LoRA dropout), whose order would depend on timing.
    /// </summary>
    public int ConcurrentMicroBatches { get; init; } = 1;

    /// <summary>Throws for values no run can use, naming the option.</summary>
    public void Validate()
    {
        if (ConcurrentMicroBatches < 1)
            throw new ArgumentOutOfRangeException(nameof(ConcurrentMicroBatches), ConcurrentMicroBatches, "At least 1 (micro-batches in turn).");
    }
}
