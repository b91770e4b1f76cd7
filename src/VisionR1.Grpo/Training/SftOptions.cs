using VisionR1.Grpo.Schedule;

namespace VisionR1.Grpo.Training;

/// <summary>
/// Options of <see cref="SftTrainer{TSample}"/>. Defaults are Vision-R1's cold-start SFT (the paper's released
/// config): 2 epochs, lr 5e-6, cosine with 5% warm-up, effective batch 32, vision tower frozen. The paper trains in
/// bf16: load the policy in bf16 for that (TorchSharp has no autocast, so there is no fp32 master copy); the loss is
/// computed in fp32.
/// </summary>
public sealed record SftOptions
{
    /// <summary>Passes over the data (2).</summary>
    public int Epochs { get; init; } = 2;

    /// <summary>Peak learning rate (5e-6).</summary>
    public double LearningRate { get; init; } = 5e-6;

    /// <summary>Fraction of the steps spent warming up (0.05).</summary>
    public double WarmupRatio { get; init; } = 0.05;

    /// <summary>Decay after warm-up (cosine).</summary>
    public LearningRateShape LearningRateShape { get; init; } = LearningRateShape.Cosine;

    /// <summary>Samples per forward/backward pass (1, the paper's released config's per-device batch).</summary>
    public int MicroBatchSize { get; init; } = 1;

    /// <summary>Micro-batches accumulated into one optimizer step (32 × 1 = the paper's effective batch of 32).</summary>
    public int GradientAccumulationSteps { get; init; } = 32;

    /// <summary>
    /// When above 0, each step's <c>MicroBatchSize × GradientAccumulationSteps</c> samples are regrouped by length into
    /// micro-batches of at most this many padded positions (rows × longest row; <see cref="ISftCollator{TSample}.CollateWithinTokens"/>),
    /// instead of micro-batches of <see cref="MicroBatchSize"/> samples in data order. The step's samples and its token-mean loss
    /// are the same and the padding shrinks, but the gradients are summed in another grouping, so the update matches the data-order
    /// one to rounding, not bit for bit. 0 (the default) keeps the data order.
    /// </summary>
    public int MaxMicroBatchTokens { get; init; }

    /// <summary>Settings that change how fast a step runs, never its results (micro-batches side by side).</summary>
    public ThroughputOptions Throughput { get; init; } = new();

    /// <summary>AdamW hyper-parameters.</summary>
    public AdamWOptions Adam { get; init; } = new();

    /// <summary>Gradient-norm clip (1.0, the Transformers Trainer's default); 0 disables clipping.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Keep the vision encoder and merger frozen (on, as in the paper).</summary>
    public bool FreezeVisionTower { get; init; } = true;

    /// <summary>Seed of the data order and torch's global RNG (42, the Transformers Trainer's default).</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Shuffle the samples each epoch (on, as the Transformers Trainer's sampler).</summary>
    public bool ShuffleData { get; init; } = true;

    /// <summary>Folder for checkpoints (<c>checkpoints/</c> below it); null disables checkpointing.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Checkpoint every this many optimizer steps (and at the end); 100, a library choice.</summary>
    public int SaveEverySteps { get; init; } = 100;

    /// <summary>Complete checkpoints kept (3, a library choice).</summary>
    public int KeepLastCheckpoints { get; init; } = 3;

    /// <summary>Throws for values no run can use, naming the option.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "At least one epoch.");
        if (!(LearningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be ≥ 0.");
        if (!(WarmupRatio is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(WarmupRatio), WarmupRatio, "The warm-up ratio must be in [0, 1].");
        if (MicroBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(MicroBatchSize));
        if (GradientAccumulationSteps < 1) throw new ArgumentOutOfRangeException(nameof(GradientAccumulationSteps));
        if (MaxMicroBatchTokens < 0) throw new ArgumentOutOfRangeException(nameof(MaxMicroBatchTokens), MaxMicroBatchTokens, "0 (off) or a positive number of padded positions per micro-batch.");
        ArgumentNullException.ThrowIfNull(Throughput, nameof(Throughput));
        Throughput.Validate();
        if (SaveEverySteps < 1) throw new ArgumentOutOfRangeException(nameof(SaveEverySteps));
        if (KeepLastCheckpoints < 1) throw new ArgumentOutOfRangeException(nameof(KeepLastCheckpoints));
    }
}
