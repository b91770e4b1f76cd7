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

    /// <summary>
    /// Generation chunks an in-process engine samples side by side (<see cref="VisionR1.Grpo.Rollout.Engines.RolloutRequest.ConcurrentChunks"/>):
    /// a step's prompts are split into at least this many chunks of whole groups, each generated on its own thread with a share of
    /// libtorch's threads. 1 (the default) generates them in turn. On a two-core CPU, 2 lets generation, which keeps one core busy
    /// at small model sizes, use both. The split, not the machine, decides which seeds sample which prompts.
    /// </summary>
    public int ConcurrentGenerations { get; init; } = 1;

    /// <summary>
    /// Micro-batches whose passes run side by side in the update and in the reference (and old-policy) log-prob passes,
    /// each on its own thread with a share of libtorch's threads; 1 (the default) runs them in turn. The update's gradients
    /// and every log-prob are the same either way (gradients are added in micro-batch order). At small model widths a pass
    /// keeps two cores only partly busy, so on a two-core machine 2 finishes sooner (the pipeline sets 2). Runs in turn
    /// whatever this says when the model draws random numbers in training (LoRA dropout).
    /// </summary>
    public int ConcurrentMicroBatches { get; init; } = 1;

    /// <summary>
    /// With <see cref="ConcurrentMicroBatches"/> above 1: the rows, sorted by completion length, are cut into a multiple of
    /// <see cref="ConcurrentMicroBatches"/> micro-batches (at least enough for <see cref="MicroBatchSize"/> rows each, none larger)
    /// whose padded completion positions are as even as possible, so that the passes running side by side finish together, instead
    /// of <see cref="MicroBatchSize"/> rows at a time. Set by the options only, never by the threads a step gets, so a run's numbers
    /// do not depend on load. The update is the same sum grouped differently: equal to rounding, not bit for bit. Off by default.
    /// </summary>
    public bool BalancedMicroBatches { get; init; }

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

    /// <summary>
    /// With <see cref="DynamicSampling"/>, how many prompts a refill round samples: off (the default), just the groups still
    /// missing; on, the missing groups divided by the share of groups kept so far in the step (counting at least one), at most
    /// four times the missing groups, so that one round usually completes the batch. Groups beyond
    /// <see cref="PromptsPerStep"/> are dropped. Fewer, larger generation rounds (3 Dec, the pipeline's GRPO on two cores: every step
    /// trained on 16 groups instead of 13.9 in PTST's second stage, for 738 s of GRPO against 809 s alone on a quiet machine, and
    /// 2–6% more where two runs shared it).
    /// </summary>
    public bool RefillByKeepRate { get; init; }

    /// <summary>
    /// With <see cref="DynamicSampling"/>, the first round of a step samples <see cref="PromptsPerStep"/> divided by the share of
    /// groups kept in the previous step of the same stage, times <see cref="OversampleMargin"/> (at least <see cref="PromptsPerStep"/>,
    /// at most four times it), instead of <see cref="PromptsPerStep"/>; refill rounds still follow if it comes up short. Off by default.
    /// One larger generation round costs less than the same prompts in two or three rounds: decoding a batch costs about as many
    /// steps as its longest completion, and small batches leave the cores partly idle (rollout-scaling probe, 3 Dec, two cores,
    /// bf16: 28 prompts × 8 at cap 128 in one round 1.66 s against 2.08 s as 16 + 12; 46 × 4 at cap 256 1.54 s against 2.12 s as
    /// 16 + 20 + 10). The first step of each stage, having no rate, samples <see cref="PromptsPerStep"/>. The rate is stored in
    /// checkpoints, so a resumed run samples as an uninterrupted one.
    /// </summary>
    public bool OversampleByKeepRate { get; init; }

    /// <summary>Factor over the predicted prompt count of <see cref="OversampleByKeepRate"/>'s first round (≥ 1): a little extra costs less than a refill round.</summary>
    public double OversampleMargin { get; init; } = 1.15;

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
        ArgumentNullException.ThrowIfNull(Schedule, nameof(Schedule));
        Schedule.Validate();
        Loss.Validate();
        Advantages.Validate();
        if (PromptsPerStep < 1) throw new ArgumentOutOfRangeException(nameof(PromptsPerStep), PromptsPerStep, "At least one prompt per step.");
        if (UpdatesPerRollout < 1) throw new ArgumentOutOfRangeException(nameof(UpdatesPerRollout), UpdatesPerRollout, "μ must be at least 1.");
        if (MicroBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(MicroBatchSize), MicroBatchSize, "The micro-batch needs at least one completion.");
        if (GenerationBatchSize is < 1) throw new ArgumentOutOfRangeException(nameof(GenerationBatchSize), GenerationBatchSize, "The generation batch needs at least one completion.");
        if (ConcurrentMicroBatches < 1) throw new ArgumentOutOfRangeException(nameof(ConcurrentMicroBatches), ConcurrentMicroBatches, "At least 1 (micro-batches in turn).");
        if (ConcurrentGenerations < 1) throw new ArgumentOutOfRangeException(nameof(ConcurrentGenerations), ConcurrentGenerations, "ConcurrentGenerations must be at least 1.");
        if (!(LearningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be ≥ 0.");
        if (WarmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(WarmupSteps));
        if (!(Temperature > 0)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "The temperature must be > 0.");
        if (!(TopP is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "top_p must be in (0, 1].");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK));
        if (MaxRefillRounds < 0) throw new ArgumentOutOfRangeException(nameof(MaxRefillRounds));
        if (!(OversampleMargin >= 1 && double.IsFinite(OversampleMargin)))
            throw new ArgumentOutOfRangeException(nameof(OversampleMargin), OversampleMargin, "The oversampling margin must be a finite number ≥ 1.");
        if (SaveEverySteps < 1) throw new ArgumentOutOfRangeException(nameof(SaveEverySteps));
        if (KeepLastCheckpoints < 1) throw new ArgumentOutOfRangeException(nameof(KeepLastCheckpoints));
        if (SyncEverySteps < 1) throw new ArgumentOutOfRangeException(nameof(SyncEverySteps), SyncEverySteps, "Weights are published every k ≥ 1 steps.");
        if (!(ImportanceSamplingCap >= 1 && double.IsFinite(ImportanceSamplingCap)))
            throw new ArgumentOutOfRangeException(nameof(ImportanceSamplingCap), ImportanceSamplingCap, "The importance-sampling cap must be a finite number ≥ 1.");
    }
}
