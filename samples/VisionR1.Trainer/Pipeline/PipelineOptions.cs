using VisionR1.Data.ColdStart;
using VisionR1.Data.Synthetic;
using VisionR1.Grpo.Schedule;
using VisionR1.Grpo.Training;
using VisionR1.Model;
using VisionR1.Recipe;
using static TorchSharp.torch;

namespace VisionR1.Trainer.Pipeline;

/// <summary>
/// Sizes and settings of `vr1 pipeline`: the synthetic world, the small model pre-trained on it, and the recipe's settings scaled
/// to that model (<see cref="ToRecipe"/>; the others are <see cref="RecipeOptions"/>' defaults, the paper's). Each small-model
/// setting is a choice measured on the synthetic world (docs/ has the measurements); <see cref="Quick"/> has tiny sizes.
/// </summary>
public sealed record PipelineOptions
{
    public string OutputDirectory { get; init; } = "runs/pipeline"; // The run's output folder.
    /// <summary>The recipe's seed: the cold start, the SFT order, GRPO's sampling and the evaluations (the world and base keep <see cref="WorldSeed"/>).</summary>
    public long Seed { get; init; }
    /// <summary>Seed of the world, its tokenizer and the base pre-trained on it (fixed, as a shipped base and its world are).</summary>
    public long WorldSeed { get; init; }
    /// <summary>A pre-trained base to start from (<see cref="BasePretraining.FromBaseAsync"/>: checked against the world); null pre-trains one in the run.
    /// The default run starts from the base shipped beside vr1 (<see cref="ShippedBase"/>), as the paper starts from a released model.</summary>
    public string? BaseModelDirectory { get; init; }
    /// <summary>"cpu" or "cuda[:N]".</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>Whether this is the quick smoke run.</summary>
    public bool IsQuick { get; init; }
    /// <summary>RL runs to train: "vision_r1" always, plus "zero" and/or "long" (paper Table 3).</summary>
    public IReadOnlyList<string> Variants { get; init; } = [RecipeStages.VisionR1];
    /// <summary>The estimator ablation (<see cref="RecipeOptions.Ablation"/>): GRPO algorithms each trained as one more stage from CI; none by default.</summary>
    public IReadOnlyList<GrpoAlgorithm> Ablation { get; init; } = [];
    /// <summary>Training problems of the synthetic world.</summary>
    public int TrainItems { get; init; } = 8000;
    /// <summary>Held-out test problems.</summary>
    public int TestItems { get; init; } = 1000;
    /// <summary>Share of test problems that combine two or more facts (the split that needs reasoning); training keeps the natural mix.</summary>
    public double TestMultiStepShare { get; init; } = 0.8;
    /// <summary>Text-only arithmetic probe questions asked of every model (off: the models are trained on image questions).</summary>
    public int ProbeItems { get; init; }
    /// <summary>Rendered image side in pixels (112 px gives 16 merged image tokens).</summary>
    public int ImageSize { get; init; } = 112;
    /// <summary>Difficulty of the world.</summary>
    public SyntheticDifficulty Difficulty { get; init; } = SyntheticDifficulty.Easy;
    /// <summary>Train in bf16; the command sets it from the resolved precision (<c>--dtype</c>).</summary>
    public bool Bf16 { get; init; } = true;
    /// <summary>The family of the base pre-trained in the run (<see cref="BasePretrainingOptions.Family"/>); a base given with --base must be of it.</summary>
    public QwenVLFamily Family { get; init; }
    /// <summary>Model preset of <see cref="Family"/> trained from scratch: "small" (5.6M parameters for Qwen2.5-VL), "medium" (14.8M; Qwen2.5-VL only) or "tiny".</summary>
    public string Preset { get; init; } = "small";
    /// <summary>Epochs of base pre-training (one loses the science, four cost twice the time for little).</summary>
    public int BaseEpochs { get; init; } = 2;
    /// <summary>Text-only arithmetic practice texts in base pre-training (<see cref="ArithmeticDrills.Canonical"/>): the arithmetic an instruct model brings.</summary>
    public int BaseArithmeticDrills { get; init; } = 3000;
    /// <summary>Share of training problems that also get a short worked solution in pre-training, so that the base, like an instruct model, can reason briefly; it is evaluated both ways.</summary>
    public double BaseWorkedShare { get; init; } = 0.5;
    /// <summary>Samples per base pre-training step.</summary>
    public int BaseBatch { get; init; } = 32;
    /// <summary>Padded positions per SFT micro-batch in base and CI (<see cref="SftOptions.MaxMicroBatchTokens"/>).</summary>
    public int MicroBatchTokens { get; init; } = 2048;
    /// <summary>Peak learning rate of base pre-training.</summary>
    public double BaseLearningRate { get; init; } = 2e-3;
    /// <summary>Training problems sent through the cold-start construction (the rest are the RL pool).</summary>
    public int ColdStartItems { get; init; } = 4000;
    /// <summary>Most extra re-checks the synthetic teacher writes into a reasoning chain (its long, reflective reasoning; 0–4).</summary>
    public int TeacherExtraReflections { get; init; } = 3;
    /// <summary>Epochs of cold-start SFT over the ~3.2K kept samples (the paper's 2 are over 200K; with 2, CI fell below the base).</summary>
    public int CiEpochs { get; init; } = 4;
    /// <summary>Samples per cold-start SFT step.</summary>
    public int CiBatch { get; init; } = 16;
    /// <summary>Peak learning rate of cold-start SFT (lower rates made CI and Vision-R1 worse on this model).</summary>
    public double CiLearningRate { get; init; } = 1e-3;
    /// <summary>GRPO steps per PTST stage (half as many gained little over CI).</summary>
    public int GrpoStepsPerStage { get; init; } = 90;
    /// <summary>Fewest reasoning steps of a GRPO prompt (1: the RL pool's natural mix; <see cref="RecipeOptions.RlMinReasoningSteps"/>).</summary>
    public int GrpoMinSteps { get; init; } = 1;
    /// <summary>DAPO's dynamic sampling in GRPO (<see cref="GrpoOptions.DynamicSampling"/>): on, it raised Vision-R1's gain over CI.</summary>
    public bool GrpoDynamicSampling { get; init; } = true;
    /// <summary>Most extra sampling rounds per step with dynamic sampling.</summary>
    public int GrpoMaxRefillRounds { get; init; } = 3;
    /// <summary>First PTST stage's completion cap (the paper's 4096 scaled to the small model).</summary>
    public int GrpoShortCap { get; init; } = 128;
    /// <summary>First PTST stage's group size.</summary>
    public int GrpoShortGroup { get; init; } = 8;
    /// <summary>Prompts per GRPO step (8 lost Vision-R1's gain).</summary>
    public int GrpoPromptsPerStep { get; init; } = 16;
    /// <summary>GRPO learning rate (1e-4 degraded the small model, 3e-4 collapsed its format).</summary>
    public double GrpoLearningRate { get; init; } = 3e-5;
    /// <summary>GRPO sampling temperature (the small model's temperature-1 samples are a quarter malformed).</summary>
    public double GrpoTemperature { get; init; } = 0.7;
    /// <summary>Completions per GRPO forward/backward micro-batch.</summary>
    public int GrpoMicroBatch { get; init; } = 32;
    /// <summary>Generation batches run side by side in GRPO and the evaluations (2 keeps both cores of a two-core machine busy).</summary>
    public int ConcurrentGenerations { get; init; } = 2;
    /// <summary>Micro-batches whose passes run side by side in base, CI and GRPO (the same results as in turn); 0 chooses by precision (<see cref="MicroBatchesSideBySide"/>).</summary>
    public int ConcurrentMicroBatches { get; init; }
    /// <summary><see cref="ConcurrentMicroBatches"/> resolved: as given, or for 0, 2 in bf16 (faster side by side) and 1 in fp32 (unequal micro-batches made it slower).</summary>
    public int MicroBatchesSideBySide() => ConcurrentMicroBatches != 0 ? ConcurrentMicroBatches : Bf16 ? 2 : 1;
    /// <summary>Prompts per evaluation generation batch.</summary>
    public int EvalBatch { get; init; } = 64;
    /// <summary>Completion cap of the CoT evaluations (the longest PTST cap).</summary>
    public int EvalMaxTokens { get; init; } = 256;
    /// <summary>Completion cap of the base model's direct answers.</summary>
    public int DirectMaxTokens { get; init; } = 16;
    /// <summary>Checkpoint every this many training steps.</summary>
    public int SaveEverySteps { get; init; } = 25;
    /// <summary>Stop training after this stage ("base", "ci" or "vision_r1") and evaluate the models trained so far; null runs every stage.</summary>
    public string? Until { get; init; }

    /// <summary>The base pre-training of this run's world and sizes (<see cref="BasePretraining"/>): what `vr1 pretrain` builds too.</summary>
    public BasePretrainingOptions ToBasePretraining() => new()
    {
        World = new SyntheticWorldOptions { Seed = WorldSeed, ImageSize = ImageSize, Difficulty = Difficulty }, TrainItems = TrainItems, TestItems = TestItems,
        TestMultiStepShare = TestMultiStepShare, Family = Family, Preset = Preset, WorkedShare = BaseWorkedShare, ArithmeticTexts = BaseArithmeticDrills,
        Sft = Sft(basePretraining: true) with { Seed = WorldSeed }, Device = Device, DType = Bf16 ? ScalarType.BFloat16 : ScalarType.Float32,
    };

    /// <summary>The SFT settings of base pre-training (vision tower trained: from scratch it must learn to see) and of cold-start SFT.</summary>
    public SftOptions Sft(bool basePretraining) => new()
    {
        Epochs = basePretraining ? BaseEpochs : CiEpochs, LearningRate = basePretraining ? BaseLearningRate : CiLearningRate,
        MicroBatchSize = basePretraining ? BaseBatch : CiBatch, GradientAccumulationSteps = 1, MaxMicroBatchTokens = MicroBatchTokens,
        Throughput = new() { ConcurrentMicroBatches = MicroBatchesSideBySide() }, FreezeVisionTower = !basePretraining,
        Adam = basePretraining ? new AdamWOptions(WeightDecay: 0.01) : new(), Seed = Seed, SaveEverySteps = SaveEverySteps, KeepLastCheckpoints = 1,
    };

    /// <summary>The recipe's options for the embedded run (the base pre-trained here, evaluated both ways): the one place where the sample's settings become the library's.</summary>
    public RecipeOptions ToRecipe() => new()
    {
        OutputDirectory = OutputDirectory, Device = Device, DType = Bf16 ? ScalarType.BFloat16 : ScalarType.Float32, Seed = Seed, Variants = Variants, Ablation = Ablation, Until = Until,
        ColdStartItems = ColdStartItems, RlMinReasoningSteps = GrpoMinSteps, SmokeRun = IsQuick, TeacherName = "the synthetic teacher",
        ColdStart = new ColdStartOptions(MaxConcurrency: 4, MaxRetries: 3, RetryBaseDelay: TimeSpan.FromMilliseconds(200)),
        ColdStartSft = Sft(basePretraining: false),
        Grpo = new GrpoOptions
        {
            Schedule = PtstSchedule.Halving(GrpoShortCap, GrpoShortGroup, GrpoStepsPerStage), PromptsPerStep = GrpoPromptsPerStep, MicroBatchSize = GrpoMicroBatch,
            LearningRate = GrpoLearningRate, Temperature = GrpoTemperature, ConcurrentGenerations = ConcurrentGenerations,
            Throughput = new() { ConcurrentMicroBatches = MicroBatchesSideBySide() }, DynamicSampling = GrpoDynamicSampling, MaxRefillRounds = GrpoMaxRefillRounds,
            SaveEverySteps = SaveEverySteps, KeepLastCheckpoints = 1,
        },
        Evaluation = new() { BatchSize = EvalBatch, ConcurrentBatches = ConcurrentGenerations, MaxNewTokens = EvalMaxTokens },
        Prompt = SyntheticPrompts.Question, DirectPrompt = SyntheticPrompts.Direct, DirectMaxTokens = DirectMaxTokens,
        BaseEvaluation = BaseWorkedShare > 0 ? BaseEvaluationStyle.DirectAndReasoning : BaseEvaluationStyle.Direct,
        ProbeProblems = ArithmeticDrills.Probe(ProbeItems, WorldSeed + 5, SyntheticPretraining.MaxValueOf(Difficulty)),
        BreakdownKeys = [SyntheticMetadataKeys.Family, SyntheticMetadataKeys.Steps],
    };

    /// <summary>The default embedded run: from the shipped base of the small preset (pre-trained in the run only if none ships).</summary>
    public static PipelineOptions Default { get; } = new() { BaseModelDirectory = ShippedBase("small") };

    /// <summary>The folder a base of <paramref name="preset"/> ships in, <c>Base/PRESET</c> next to vr1 (or under <paramref name="root"/>), written by `vr1 pretrain` with its provenance; null when none ships (the quick run's tiny preset has none).</summary>
    public static string? ShippedBase(string preset, string? root = null)
    {
        var folder = Path.Combine(root ?? AppContext.BaseDirectory, "Base", preset);
        return File.Exists(Path.Combine(folder, BaseProvenance.FileName)) ? folder : null;
    }

    /// <summary>Every stage with tiny sizes (a smoke run for CI, minutes on two cores).</summary>
    public static PipelineOptions Quick { get; } = new()
    {
        IsQuick = true, Preset = "tiny", TrainItems = 48, TestItems = 12, ImageSize = 56, BaseEpochs = 1, BaseArithmeticDrills = 16, ProbeItems = 8,
        BaseBatch = 16, ColdStartItems = 16, CiEpochs = 1, CiBatch = 8, GrpoStepsPerStage = 1, GrpoShortCap = 16, GrpoShortGroup = 4,
        GrpoPromptsPerStep = 2, GrpoMicroBatch = 8, EvalBatch = 12, EvalMaxTokens = 24, DirectMaxTokens = 8, SaveEverySteps = 2,
    };
}
