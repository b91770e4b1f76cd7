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
/// <remarks>
/// <see cref="Algorithm"/> names a member of the GRPO family (GRPO by default). It gives the defaults of <see cref="Loss"/>,
/// <see cref="Advantages"/>, <see cref="DynamicSampling"/> and <see cref="MaskTruncatedCompletions"/> (<see cref="AlgorithmDefaults.For"/>):
/// each of the four reads as the algorithm's value until it is set explicitly (in an initializer or a <c>with</c>), after which
/// the value set wins, whatever the order of the assignments. To change one field of an algorithm's loss, start from its
/// defaults: <c>Loss = AlgorithmDefaults.For(GrpoAlgorithm.Dapo).Loss with { EpsilonHigh = 0.3 }</c>.
/// </remarks>
public sealed record GrpoOptions
{
    private GrpoLossOptions? _loss;
    private AdvantageOptions? _advantages;
    private bool? _maskTruncated;
    private bool? _dynamicSampling;

    /// <summary>The member of the GRPO family whose paper gives the defaults of the loss, advantages and sampling (GRPO, Vision-R1's, by default).</summary>
    public GrpoAlgorithm Algorithm { get; init; } = GrpoAlgorithm.Grpo;

    /// <summary>The stage schedule (Vision-R1's PTST by default).</summary>
    public PtstSchedule Schedule { get; init; } = PtstSchedule.Paper();

    /// <summary>Prompts per step; each gets the stage's group size of completions. Not stated in the paper; 8 keeps 16×8 = 128 completions per step in stage 1.</summary>
    public int PromptsPerStep { get; init; } = 8;

    /// <summary>Policy updates per rollout batch (μ). 1 as TRL's default: then ρ ≡ 1 and no old log-prob pass is needed.</summary>
    public int UpdatesPerRollout { get; init; } = 1;

    /// <summary>Completions per forward/backward pass (8, the Transformers Trainer's per-device batch); gradients of the micro-batches of one update are accumulated.</summary>
    public int MicroBatchSize { get; init; } = 8;

    /// <summary>
    /// Completions an in-process engine generates at once (null: all of a step's round). Changes results: each generation chunk
    /// samples with a seed derived from its index (<see cref="VisionR1.Grpo.Rollout.Engines.RolloutSeeding.PerChunk"/>), so the
    /// split decides which seeds sample which prompts.
    /// </summary>
    public int? GenerationBatchSize { get; init; }

    /// <summary>
    /// Generation chunks an in-process engine samples side by side (<see cref="VisionR1.Grpo.Rollout.Engines.RolloutRequest.ConcurrentChunks"/>):
    /// a step's prompts are split into at least this many chunks of whole groups, each generated on its own thread with a share of
    /// libtorch's threads. 1 (the default) generates them in one chunk. Changes results as <see cref="GenerationBatchSize"/> does:
    /// the split, not the machine, decides which seeds sample which prompts, so a run is reproducible for a given value.
    /// </summary>
    public int ConcurrentGenerations { get; init; } = 1;

    /// <summary>Settings that change how fast a step runs, never its results (micro-batches side by side).</summary>
    public ThroughputOptions Throughput { get; init; } = new();

    /// <summary>Peak learning rate (1e-6, TRL's GRPO default; the paper gives none for RL).</summary>
    public double LearningRate { get; init; } = 1e-6;

    /// <summary>Linear warm-up steps (0, TRL's default).</summary>
    public int WarmupSteps { get; init; }

    /// <summary>Decay after warm-up (constant by default, as TRL's GRPO examples; cosine needs the schedule's total steps).</summary>
    public LearningRateShape LearningRateShape { get; init; } = LearningRateShape.Constant;

    /// <summary>AdamW hyper-parameters.</summary>
    public AdamWOptions Adam { get; init; } = new();

    /// <summary>Gradient-norm clip (1.0, TRL's default); 0 disables clipping.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Sampling temperature unless a stage sets one (1.0, TRL's default). Log-probs use the same temperature.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus sampling mass (1.0 = off, TRL's default).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Top-k sampling (0 = off, as TRL's default of none).</summary>
    public int TopK { get; init; }

    /// <summary>The loss (objective, ε, β, KL estimator, dual clip, aggregation); the <see cref="Algorithm"/>'s unless set.</summary>
    public GrpoLossOptions Loss { get => _loss ?? AlgorithmDefaults.For(Algorithm).Loss; init => _loss = value; }

    /// <summary>The advantage estimator (GRPO's group z-score by default); the <see cref="Algorithm"/>'s unless set.</summary>
    public AdvantageOptions Advantages { get => _advantages ?? AlgorithmDefaults.For(Algorithm).Advantages; init => _advantages = value; }

    /// <summary>Exclude completions that hit the length cap from the loss (DAPO's overlong filtering). The <see cref="Algorithm"/>'s unless set: off but for DAPO.</summary>
    public bool MaskTruncatedCompletions { get => _maskTruncated ?? AlgorithmDefaults.For(Algorithm).MaskTruncatedCompletions; init => _maskTruncated = value; }

    /// <summary>
    /// DAPO's dynamic sampling (Yu et al. 2025): drop groups with no reward spread and sample more prompts until the step has
    /// <see cref="PromptsPerStep"/> groups or <see cref="MaxRefillRounds"/> extra rounds are spent. Rounds are sized by keep rates
    /// so that one round usually completes the batch: the first samples ⌈<see cref="PromptsPerStep"/> · 1.15 / r⌉ prompts, where r
    /// is the share of groups the previous step of the same stage kept (a stage's first step, having no rate, samples
    /// <see cref="PromptsPerStep"/>); a refill round samples the missing groups divided by the share kept so far in the step
    /// (counting at least one). Each round samples at most four times what it is sized for; groups beyond
    /// <see cref="PromptsPerStep"/> are dropped. The rate is stored in checkpoints, so a resumed run samples as an uninterrupted
    /// one. The <see cref="Algorithm"/>'s unless set: off, as in the paper's GRPO, but for DAPO.
    /// </summary>
    public bool DynamicSampling { get => _dynamicSampling ?? AlgorithmDefaults.For(Algorithm).DynamicSampling; init => _dynamicSampling = value; }

    /// <summary>How many extra sampling rounds dynamic sampling may spend per step (3, a library choice that bounds a step to four rounds; 0: drop flat groups without refilling).</summary>
    public int MaxRefillRounds { get; init; } = 3;

    /// <summary>Keep the vision encoder and merger frozen (on, as in the paper's SFT and EasyR1).</summary>
    public bool FreezeVisionTower { get; init; } = true;

    /// <summary>Seed of the data order, the sampling generator and torch's global RNG (42, the Transformers Trainer's default).</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Shuffle the prompts each epoch (on, as the Transformers Trainer's sampler).</summary>
    public bool ShuffleData { get; init; } = true;

    /// <summary>Folder for checkpoints (<c>checkpoints/</c> below it); null disables checkpointing.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Checkpoint every this many steps (and at the end); 50, a library choice: four checkpoints in a 200-step PTST run.</summary>
    public int SaveEverySteps { get; init; } = 50;

    /// <summary>Complete checkpoints kept (3, a library choice).</summary>
    public int KeepLastCheckpoints { get; init; } = 3;

    /// <summary>
    /// With a rollout engine that samples from its own copy of the weights (<see cref="Rollout.Engines.IRolloutEngine.NeedsWeightSync"/>):
    /// publish the weights before sampling every this many optimizer steps (and before the first step). 1 (the default) keeps
    /// the rollout on-policy up to the servers' numerics; k &gt; 1 saves k − 1 of every k syncs but samples from weights up to
    /// k − 1 updates old (off-policy; the importance weights below correct for it, within their cap).
    /// </summary>
    public int SyncEverySteps { get; init; } = 1;

    /// <summary>
    /// The cap C of the truncated importance-sampling correction applied when the rollout engine samples from its own copy of the
    /// weights: each token's clipped policy-gradient term is multiplied by min(π_old(t) / π_behaviour(t), C), where π_behaviour is
    /// the log-prob the engine reported for the token and π_old the trainer's own (the current policy with μ = 1). It corrects for
    /// a serving engine's different numerics (bf16 kernels, batching) and, with <see cref="SyncEverySteps"/> &gt; 1, for stale weights,
    /// while the cap bounds the variance (truncated importance sampling as in Yao et al. 2025, "Your efficient RL framework
    /// secretly brings you off-policy RL training"; 2 as their default). Not used with an in-process engine.
    /// </summary>
    public double ImportanceSamplingCap { get; init; } = 2.0;

    /// <summary>Throws for values no run can use, naming the option.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Algorithm)) throw new ArgumentOutOfRangeException(nameof(Algorithm), Algorithm, "Unknown algorithm.");
        ArgumentNullException.ThrowIfNull(Schedule, nameof(Schedule));
        Schedule.Validate();
        Loss.Validate();
        Advantages.Validate();
        ArgumentNullException.ThrowIfNull(Throughput, nameof(Throughput));
        Throughput.Validate();
        if (PromptsPerStep < 1) throw new ArgumentOutOfRangeException(nameof(PromptsPerStep), PromptsPerStep, "At least one prompt per step.");
        if (UpdatesPerRollout < 1) throw new ArgumentOutOfRangeException(nameof(UpdatesPerRollout), UpdatesPerRollout, "μ must be at least 1.");
        if (MicroBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(MicroBatchSize), MicroBatchSize, "The micro-batch needs at least one completion.");
        if (GenerationBatchSize is < 1) throw new ArgumentOutOfRangeException(nameof(GenerationBatchSize), GenerationBatchSize, "The generation batch needs at least one completion.");
        if (ConcurrentGenerations < 1) throw new ArgumentOutOfRangeException(nameof(ConcurrentGenerations), ConcurrentGenerations, "ConcurrentGenerations must be at least 1.");
        if (!(LearningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be ≥ 0.");
        if (WarmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(WarmupSteps));
        if (!(Temperature > 0)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "The temperature must be > 0.");
        if (!(TopP is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "top_p must be in (0, 1].");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK));
        if (MaxRefillRounds < 0) throw new ArgumentOutOfRangeException(nameof(MaxRefillRounds));
        if (SaveEverySteps < 1) throw new ArgumentOutOfRangeException(nameof(SaveEverySteps));
        if (KeepLastCheckpoints < 1) throw new ArgumentOutOfRangeException(nameof(KeepLastCheckpoints));
        if (SyncEverySteps < 1) throw new ArgumentOutOfRangeException(nameof(SyncEverySteps), SyncEverySteps, "Weights are published every k ≥ 1 steps.");
        if (!(ImportanceSamplingCap >= 1 && double.IsFinite(ImportanceSamplingCap)))
            throw new ArgumentOutOfRangeException(nameof(ImportanceSamplingCap), ImportanceSamplingCap, "The importance-sampling cap must be a finite number ≥ 1.");
    }
}
