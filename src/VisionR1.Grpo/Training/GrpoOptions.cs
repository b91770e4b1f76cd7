using VisionR1.Grpo.Advantages;
using VisionR1.Grpo.Loss;
using VisionR1.Grpo.Schedule;

namespace VisionR1.Grpo.Training;

/// <summary>
/// Options of <see cref="GrpoTrainer"/>. Defaults are Vision-R1's where the paper gives them
/// (ε = 0.2, β = 1e-2, k3 KL, group-std advantages, PTST 4096×16 → 8192×8 for 100 steps each) and
/// TRL's <c>GRPOConfig</c> defaults elsewhere (named as such). Precision is the policy's: load it in bf16
/// (e.g. <c>QwenPolicy.Load(dir, device, ScalarType.BFloat16)</c>) to train bf16 weights; log-probs and the loss are
/// always computed in fp32.
/// </summary>
public sealed record GrpoOptions
{
    /// <summary>The stage schedule (Vision-R1's PTST by default).</summary>
    public PtstSchedule Schedule { get; init; } = PtstSchedule.Paper();

    /// <summary>Prompts per step; each gets the stage's group size of completions. Not stated in the paper; 8 keeps 16×8 = 128 completions per step in stage 1.</summary>
    public int PromptsPerStep { get; init; } = 8;

    /// <summary>Policy updates per rollout batch (μ). 1 as TRL's default: then ρ ≡ 1 and no old log-prob pass is needed.</summary>
    public int UpdatesPerRollout { get; init; } = 1;

    /// <summary>Completions per forward/backward pass; gradients of the micro-batches of one update are accumulated.</summary>
    public int MicroBatchSize { get; init; } = 8;

    /// <summary>Completions generated at once (null: all of a step's).</summary>
    public int? GenerationBatchSize { get; init; }

    /// <summary>Peak learning rate (1e-6, TRL's GRPO default; the paper gives none for RL).</summary>
    public double LearningRate { get; init; } = 1e-6;

    /// <summary>Linear warm-up steps.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>Decay after warm-up (constant by default, as TRL's GRPO examples; cosine needs the schedule's total steps).</summary>
    public LearningRateShape LearningRateShape { get; init; } = LearningRateShape.Constant;

    /// <summary>AdamW hyper-parameters.</summary>
    public AdamWOptions Adam { get; init; } = new();

    /// <summary>Gradient-norm clip (1.0, TRL's default); 0 disables clipping.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Sampling temperature unless a stage sets one (1.0, TRL's default). Log-probs use the same temperature.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus sampling mass (1.0 = off).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Top-k sampling (0 = off).</summary>
    public int TopK { get; init; }

    /// <summary>The loss (ε, β, dual clip, aggregation).</summary>
    public GrpoLossOptions Loss { get; init; } = new();

    /// <summary>The advantage (group std by default).</summary>
    public AdvantageOptions Advantages { get; init; } = new();

    /// <summary>Exclude completions that hit the length cap from the loss (DAPO's overlong filtering). Off by default.</summary>
    public bool MaskTruncatedCompletions { get; init; }

    /// <summary>Drop groups with no reward spread and sample more prompts to refill the batch (DAPO's dynamic sampling). Off by default.</summary>
    public bool DynamicSampling { get; init; }

    /// <summary>How many extra sampling rounds dynamic sampling may spend per step.</summary>
    public int MaxRefillRounds { get; init; } = 3;

    /// <summary>Keep the vision encoder and merger frozen (on, as in the paper's SFT and EasyR1).</summary>
    public bool FreezeVisionTower { get; init; } = true;

    /// <summary>Seed of the data order, the sampling generator and torch's global RNG.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Shuffle the prompts each epoch.</summary>
    public bool ShuffleData { get; init; } = true;

    /// <summary>Folder for checkpoints (<c>checkpoints/</c> below it); null disables checkpointing.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Checkpoint every this many steps (and at the end).</summary>
    public int SaveEverySteps { get; init; } = 50;

    /// <summary>Complete checkpoints kept.</summary>
    public int KeepLastCheckpoints { get; init; } = 3;

    /// <summary>Throws for values no run can use, naming the option.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Schedule, nameof(Schedule));
        Schedule.Validate();
        Loss.Validate();
        Advantages.Validate();
        if (PromptsPerStep < 1) throw new ArgumentOutOfRangeException(nameof(PromptsPerStep), PromptsPerStep, "At least one prompt per step.");
        if (UpdatesPerRollout < 1) throw new ArgumentOutOfRangeException(nameof(UpdatesPerRollout), UpdatesPerRollout, "μ must be at least 1.");
        if (MicroBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(MicroBatchSize), MicroBatchSize, "The micro-batch needs at least one completion.");
        if (GenerationBatchSize is < 1) throw new ArgumentOutOfRangeException(nameof(GenerationBatchSize), GenerationBatchSize, "The generation batch needs at least one completion.");
        if (!(LearningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be ≥ 0.");
        if (WarmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(WarmupSteps));
        if (!(Temperature > 0)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "The temperature must be > 0.");
        if (!(TopP is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "top_p must be in (0, 1].");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK));
        if (MaxRefillRounds < 0) throw new ArgumentOutOfRangeException(nameof(MaxRefillRounds));
        if (SaveEverySteps < 1) throw new ArgumentOutOfRangeException(nameof(SaveEverySteps));
        if (KeepLastCheckpoints < 1) throw new ArgumentOutOfRangeException(nameof(KeepLastCheckpoints));
    }
}
