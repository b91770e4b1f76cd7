using VisionR1.Recipe;
using VisionR1.Data.Synthetic;
using VisionR1.Grpo.Schedule;

namespace VisionR1.Trainer.Pipeline;

/// <summary>
/// Sizes and settings of `vr1 pipeline`. <see cref="Default"/> is the embedded run (23 minutes on a quiet two-core
/// AVX-512 BF16 machine with tcmalloc, 46–49 predicted with glibc's malloc, 46 under the AVX2 emulation in fp32; <see cref="PipelineBudget"/> reduces it to fit a budget); <see cref="Quick"/> runs every stage with
/// tiny sizes for CI. The real path
/// (<see cref="ModelDirectory"/> set) skips world generation and tokenizer training.
/// </summary>
public sealed record PipelineOptions
{
    /// <summary>The run's output folder.</summary>
    public string OutputDirectory { get; init; } = "runs/pipeline";

    /// <summary>Seed of the world, the initialisation, the data orders and sampling.</summary>
    public long Seed { get; init; }

    /// <summary>"cpu" or "cuda[:N]".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Whether this is the quick smoke run.</summary>
    public bool IsQuick { get; init; }

    /// <summary>RL runs to train: "vision_r1" always, plus "zero" and/or "long" (paper Table 3).</summary>
    public IReadOnlyList<string> Variants { get; init; } = [RecipeStages.VisionR1];

    /// <summary>Training problems of the synthetic world.</summary>
    public int TrainItems { get; init; } = 8000;

    /// <summary>Held-out test problems.</summary>
    public int TestItems { get; init; } = 1000;

    /// <summary>Share of test problems that combine two or more facts (the rest read one fact); the training split keeps the natural mix.</summary>
    public double TestMultiStepShare { get; init; } = 0.8;

    /// <summary>
    /// Text-only arithmetic probe questions ("What is 7 + 5?") asked of every model; off by default: the models are trained on
    /// image questions and answer these out of distribution (9.0–10.0% for base, base_cot and ci on 200 items, while their test
    /// chains wrote 97–99% of their equations right; summary.json's "equations" audits those).
    /// </summary>
    public int ProbeItems { get; init; }

    /// <summary>Rendered image side in pixels (112 px gives 16 merged image tokens).</summary>
    public int ImageSize { get; init; } = 112;

    /// <summary>Difficulty of the world.</summary>
    public SyntheticDifficulty Difficulty { get; init; } = SyntheticDifficulty.Easy;

    /// <summary>Train the model in bf16; the command sets it from the resolved precision (<c>--dtype</c>, auto by default).</summary>
    public bool Bf16 { get; init; } = true;

    /// <summary>Model preset trained from scratch: "small" (5.6M parameters, the default) or "medium" (14.8M, about 3× the time), or "tiny".</summary>
    public string Preset { get; init; } = "small";

    /// <summary>Epochs of base pre-training (2: 1,438 steps of 32 samples at the default sizes, 10 minutes on two cores with tcmalloc, about 18 with glibc).</summary>
    public int BaseEpochs { get; init; } = 2;

    /// <summary>
    /// Text-only arithmetic practice texts added to base pre-training (<see cref="ArithmeticDrills.Canonical"/>, ten equations
    /// each in the canonical one-operation forms of the world's reasoning), the arithmetic an instruct model brings.
    /// </summary>
    public int BaseArithmeticDrills { get; init; } = 3000;

    /// <summary>
    /// Share of training problems that also get a short worked solution in base pre-training (<see cref="SyntheticItem.WorkedSolution"/>),
    /// so that the base, like an instruct model, can reason briefly before cold start; it is evaluated both ways.
    /// </summary>
    public double BaseWorkedShare { get; init; } = 0.5;

    /// <summary>Samples per base pre-training step.</summary>
    public int BaseBatch { get; init; } = 32;

    /// <summary>Padded positions per SFT micro-batch in base and CI (<see cref="VisionR1.Grpo.Training.SftOptions.MaxMicroBatchTokens"/>; 0: micro-batches of a whole step in data order).</summary>
    public int MicroBatchTokens { get; init; } = 2048;

    /// <summary>Peak learning rate of base pre-training.</summary>
    public double BaseLearningRate { get; init; } = 2e-3;

    /// <summary>Training problems sent through the cold-start construction.</summary>
    public int ColdStartItems { get; init; } = 4000;

    /// <summary>Most extra re-checks the synthetic teacher writes into a reasoning chain (its long, reflective reasoning; 0–4).</summary>
    public int TeacherExtraReflections { get; init; } = 3;

    /// <summary>
    /// Epochs of cold-start SFT over the ~3.2K samples the filter keeps (the paper's 2 are over 200K). 4: with 2, CI fell 7.5–12.9
    /// points below the base and Vision-R1 ended level with it or below; with 4 (2 Dec, seeds 0 and 1, the same bases) CI was
    /// 10.7 and 7.4 points above the base and Vision-R1 13.7 and 11.8; a lower CI learning rate (3e-4) made both worse.
    /// </summary>
    public int CiEpochs { get; init; } = 4;

    /// <summary>Samples per cold-start SFT step.</summary>
    public int CiBatch { get; init; } = 16;

    /// <summary>Peak learning rate of cold-start SFT.</summary>
    public double CiLearningRate { get; init; } = 1e-3;

    /// <summary>GRPO steps per PTST stage (90 + 90: 5.2–6.4 points over CI; 45 + 45 gained −1.2 to +4.4).</summary>
    public int GrpoStepsPerStage { get; init; } = 90;

    /// <summary>
    /// Fewest reasoning steps of a GRPO prompt in the embedded run (1: the RL pool's natural mix; 2: only problems that combine two
    /// or more facts, as 80% of the test split does). The RL pool is the training problems after the cold-start ones.
    /// </summary>
    public int GrpoMinSteps { get; init; } = 1;

    /// <summary>
    /// DAPO's dynamic sampling in GRPO (<see cref="VisionR1.Grpo.Training.GrpoOptions.DynamicSampling"/>): groups whose completions all
    /// got the same reward carry no policy gradient and are dropped, and more prompts are sampled until the step has
    /// <see cref="GrpoPromptsPerStep"/> groups that differ (at most <see cref="GrpoMaxRefillRounds"/> extra rounds). On by default:
    /// resumed from the same CI models it lifted Vision-R1 over CI from +3.0 to +5.3 points (seed 0) and from +4.4 to +6.2 (seed 1).
    /// </summary>
    public bool GrpoDynamicSampling { get; init; } = true;

    /// <summary>Most extra sampling rounds per step with <see cref="GrpoDynamicSampling"/> (0: drop flat groups without refilling).</summary>
    public int GrpoMaxRefillRounds { get; init; } = 3;

    /// <summary>First PTST stage's completion cap (the paper's 4096 scaled to the small model).</summary>
    public int GrpoShortCap { get; init; } = 128;

    /// <summary>First PTST stage's group size.</summary>
    public int GrpoShortGroup { get; init; } = 8;

    /// <summary>Prompts per GRPO step.</summary>
    public int GrpoPromptsPerStep { get; init; } = 16;

    /// <summary>GRPO learning rate. With fp32 master weights every update lands; 1e-4 degraded the small model (CI 38.8% → 32.6%) and 3e-4 collapsed its format, so the default is 3e-5 (2e-5 gained 2.6 points over CI in 60 steps, 3e-5 4.4 in 90).</summary>
    public double GrpoLearningRate { get; init; } = 3e-5;

    /// <summary>GRPO sampling temperature (0.7: the small model's temperature-1 samples are a quarter malformed, far from what the 0.6 evaluation sees).</summary>
    public double GrpoTemperature { get; init; } = 0.7;

    /// <summary>KL coefficient β (the paper's 1e-2).</summary>
    public double GrpoBeta { get; init; } = 1e-2;

    /// <summary>Completions per GRPO forward/backward micro-batch.</summary>
    public int GrpoMicroBatch { get; init; } = 32;

    /// <summary>
    /// Generation batches run side by side in GRPO and the evaluations, one thread each (<see cref="VisionR1.Runtime.TensorWorkers"/>;
    /// fewer while libtorch has fewer threads). Generation keeps about one core busy at these sizes; 2 uses both cores of a two-core machine.
    /// </summary>
    public int ConcurrentGenerations { get; init; } = 2;

    /// <summary>
    /// Micro-batches whose forward and backward passes run side by side in base, CI and GRPO (and in GRPO's reference pass),
    /// one thread each (<see cref="VisionR1.Grpo.Training.ThroughputOptions.ConcurrentMicroBatches"/>);
    /// the same gradients and results as in turn.
    /// 0 (the default) chooses by precision (<see cref="MicroBatchesSideBySide"/>): 2 in bf16, 1 in fp32.
    /// </summary>
    public int ConcurrentMicroBatches { get; init; }

    /// <summary>
    /// <see cref="ConcurrentMicroBatches"/> resolved: as given, or for 0, 2 in bf16 and 1 in fp32. Measured on the 2-core
    /// AVX-512 BF16 machine (3 Dec 2026, bit-identical results either way): in bf16 one thread runs a training pass 1.4× slower
    /// than two; side by side, base steps took 0.316–0.324 s against 0.348–0.385 s in turn, GRPO's reference pass 0.50–0.51
    /// against 0.55–0.66 s and its update 1.29–1.30 against 1.35–1.60 s (medians, each setting run twice, alternated), and
    /// the default command took 1,384 s against 1,443 s. In fp32 under the AVX2 emulation one thread is 1.6–1.8× slower than two, and side by side
    /// the base stage's steps took 0.852 s against 0.715 s (median of 591), because a step's two micro-batches are unequal
    /// (the shorter samples fill the first) and the larger one then runs on one thread; GRPO gained 2–4% there.
    /// </summary>
    public int MicroBatchesSideBySide() => ConcurrentMicroBatches != 0 ? ConcurrentMicroBatches : Bf16 ? 2 : 1;

    /// <summary>Prompts per evaluation generation batch.</summary>
    public int EvalBatch { get; init; } = 64;

    /// <summary>Completion cap of the CoT evaluations (the longest PTST cap).</summary>
    public int EvalMaxTokens { get; init; } = 256;

    /// <summary>Completion cap of the base model's direct answers.</summary>
    public int DirectMaxTokens { get; init; } = 16;

    /// <summary>Checkpoint every this many training steps.</summary>
    public int SaveEverySteps { get; init; } = 25;

    /// <summary>A Hugging Face Qwen2.5-VL folder (the real path), or null for the embedded run.</summary>
    public string? ModelDirectory { get; init; }

    /// <summary>Training problems for the real path (Parquet or JSONL).</summary>
    public string? TrainFile { get; init; }

    /// <summary>Benchmark file for the real path.</summary>
    public string? EvalFile { get; init; }

    /// <summary>OpenAI-compatible teacher endpoint for the cold start of the real path (null: the synthetic teacher, which needs synthetic-world problems).</summary>
    public string? TeacherEndpoint { get; init; }

    /// <summary>Model name requested from the teacher endpoint.</summary>
    public string TeacherModel { get; init; } = "teacher";

    /// <summary>Stop training after this stage ("base", "ci" or "vision_r1") and evaluate the models trained so far; null runs every stage.</summary>
    public string? Until { get; init; }

    /// <summary>Whether this is the real path.</summary>
    public bool IsRealPath => ModelDirectory is not null;

    /// <summary>
    /// The base stage's pre-training mix for these options: captions, direct answers, <see cref="BaseWorkedShare"/> worked
    /// solutions and <see cref="BaseArithmeticDrills"/> arithmetic texts (<see cref="SyntheticPretraining"/>).
    /// </summary>
    public SyntheticPretraining PretrainingMix() => new(SyntheticPrompts.Describe, SyntheticPrompts.Direct, SyntheticPrompts.Question)
    {
        WorkedShare = BaseWorkedShare,
        ArithmeticTexts = BaseArithmeticDrills,
        MaxValue = SyntheticPretraining.MaxValueOf(Difficulty),
        Seed = Seed,
    };

    /// <summary>The PTST schedule of the Vision-R1 run: short cap × large group, then double the cap and halve the group (L·G constant).</summary>
    public PtstSchedule PtstSchedule() => Grpo.Schedule.PtstSchedule.Halving(GrpoShortCap, GrpoShortGroup, GrpoStepsPerStage);

    /// <summary>Vision-R1-Zero scaled: one stage with the first cap and group, as many steps as PTST.</summary>
    public PtstSchedule ZeroSchedule() => new([new PtstStage(GrpoShortCap, GrpoShortGroup, GrpoStepsPerStage * 2, Name: "zero")]);

    /// <summary>Vision-R1-Long scaled: one stage with the long cap and the small group, as many steps as PTST.</summary>
    public PtstSchedule LongSchedule() => new([new PtstStage(GrpoShortCap * 2, Math.Max(2, GrpoShortGroup / 2), GrpoStepsPerStage * 2, Name: "long")]);

    /// <summary>The default embedded run.</summary>
    public static PipelineOptions Default { get; } = new();

    /// <summary>Every stage with tiny sizes (a smoke run for CI, minutes on two cores).</summary>
    public static PipelineOptions Quick { get; } = new()
    {
        IsQuick = true,
        Preset = "tiny",
        TrainItems = 48,
        TestItems = 12,
        ImageSize = 56,
        BaseEpochs = 1,
        BaseArithmeticDrills = 16,
        ProbeItems = 8,
        BaseBatch = 16,
        ColdStartItems = 16,
        CiEpochs = 1,
        CiBatch = 8,
        GrpoStepsPerStage = 1,
        GrpoShortCap = 16,
        GrpoShortGroup = 4,
        GrpoPromptsPerStep = 2,
        GrpoMicroBatch = 8,
        EvalBatch = 12,
        EvalMaxTokens = 24,
        DirectMaxTokens = 8,
        SaveEverySteps = 2,
    };
}
