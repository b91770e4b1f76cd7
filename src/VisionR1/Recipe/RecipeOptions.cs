using VisionR1.Data.ColdStart;
using VisionR1.Data.Filtering;
using VisionR1.Grpo.Evaluation;
using VisionR1.Grpo.Schedule;
using VisionR1.Grpo.Training;
using VisionR1.Problems;
using VisionR1.Inputs;
using static TorchSharp.torch;

namespace VisionR1.Recipe;

/// <summary>
/// What <see cref="VisionR1Recipe"/> runs and with which settings. The stage settings are the library's own option records,
/// so each setting has one definition and its default is the paper's: cold-start SFT (<see cref="SftOptions"/>: 2 epochs,
/// learning rate 5e-6, cosine, 5% warm-up, effective batch 32, vision tower frozen), GRPO (<see cref="GrpoOptions"/>: PTST
/// 4K×16 → 8K×8 for 100 steps each, ε 0.2, β 1e-2, k3 KL, group-std advantages), evaluation (<see cref="LocalEvaluationOptions"/>:
/// temperature 0.6, top-p 0.95). The seeds of those records are derived from <see cref="Seed"/>; their output folders are the
/// stages' folders.
/// </summary>
public sealed record RecipeOptions
{
    /// <summary>The run's folder: one sub-folder per stage (<see cref="RecipeStages"/>), metrics.jsonl and summary.json.</summary>
    public string OutputDirectory { get; init; } = "runs/recipe";

    /// <summary>"cpu" or "cuda[:N]": where the models train and generate.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>The precision of the trained models (bf16, as both Qwen-VL families are released).</summary>
    public ScalarType DType { get; init; } = ScalarType.BFloat16;

    /// <summary>The run's seed: cold-start SFT samples with seed + 1, GRPO with + 2, the evaluations with + 3.</summary>
    public long Seed { get; init; }

    /// <summary>RL runs to train: "vision_r1" always, plus "zero" and/or "long" (<see cref="RecipeStages"/>; paper Table 3).</summary>
    public IReadOnlyList<string> Variants { get; init; } = [RecipeStages.VisionR1];

    /// <summary>
    /// The estimator ablation: members of the GRPO family (<see cref="GrpoAlgorithm"/>) each trained as one more RL stage from the
    /// CI model, next to "vision_r1". Every one listed other than <see cref="Grpo"/>'s own algorithm (which "vision_r1" already
    /// trains) gets a stage named <see cref="RecipeStages.Ablation"/> (e.g. "vision_r1.dapo") with <see cref="GrpoOptionsFor"/>
    /// of that name: vision_r1's options, PTST schedule and seed with that algorithm, evaluated like the other models and
    /// compared with CI (summary.json's "ablation", ablation.md). Empty (the default) trains none. As the stages resume, adding
    /// it to a finished run trains and evaluates only the new stages.
    /// </summary>
    public IReadOnlyList<GrpoAlgorithm> Ablation { get; init; } = [];

    /// <summary>Stop training after this stage ("base", "ci" or "vision_r1") and evaluate the models trained so far; null runs every stage.</summary>
    public string? Until { get; init; }

    /// <summary>The plan the caller sized the run with (<see cref="RunBudget"/>), recorded in summary.json beside the measured stage times; null when there is none.</summary>
    public RunPlan? Plan { get; init; }

    /// <summary>
    /// Training problems sent through the cold-start construction: the first ones, the rest form the RL pool (as the paper keeps
    /// its cold-start and RL data apart); null for half of them.
    /// </summary>
    public int? ColdStartItems { get; init; }

    /// <summary>Fewest reasoning steps (metadata "steps") of an RL prompt, when enough problems have them (<see cref="VisionR1Recipe.RlPool"/>); 1 keeps every problem.</summary>
    public int RlMinReasoningSteps { get; init; } = 1;

    /// <summary>The modality-bridging construction's settings (the teacher is given to <see cref="VisionR1Recipe.RunAsync"/>).</summary>
    public ColdStartOptions ColdStart { get; init; } = new();

    /// <summary>Describes the teacher in the progress lines.</summary>
    public string TeacherName { get; init; } = "the teacher";

    /// <summary>The CoT filter's settings; null for its defaults.</summary>
    public CotFilterOptions? Filter { get; init; }

    /// <summary>Cold-start SFT from the base (the "ci" model).</summary>
    public SftOptions ColdStartSft { get; init; } = new();

    /// <summary>GRPO of the "vision_r1" run; its schedule is PTST, and the variants derive theirs from it (<see cref="ScheduleOf"/>).</summary>
    public GrpoOptions Grpo { get; init; } = new();

    /// <summary>The evaluations on the held-out problems; <see cref="LocalEvaluationOptions.MaxNewTokens"/> caps the think/answer ones.</summary>
    public LocalEvaluationOptions Evaluation { get; init; } = new();

    /// <summary>The user text of a problem in GRPO and the think/answer evaluations; null for <see cref="MathProblem.PromptText"/>.</summary>
    public Func<MathProblem, string>? Prompt { get; init; }

    /// <summary>How the base model is evaluated (<see cref="BaseEvaluationStyle.Reasoning"/> for an instruct model).</summary>
    public BaseEvaluationStyle BaseEvaluation { get; init; } = BaseEvaluationStyle.Reasoning;

    /// <summary>The user text of a problem when a short direct answer is asked; null for <see cref="MathProblem.PromptText"/>.</summary>
    public Func<MathProblem, string>? DirectPrompt { get; init; }

    /// <summary>Completion cap of direct answers.</summary>
    public int DirectMaxTokens { get; init; } = 16;

    /// <summary>Extra problems every model also answers, each in its evaluation style (summary.json's "probe"); none by default.</summary>
    public IReadOnlyList<MathProblem> ProbeProblems { get; init; } = [];

    /// <summary>Metadata keys by which summary.json breaks each model's accuracy down (e.g. a data set's families); none by default.</summary>
    public IReadOnlyList<string> BreakdownKeys { get; init; } = [];

    /// <summary>The chat template over the base model's tokenizer (no system prompt: the problem's text is the whole user turn).</summary>
    public ChatTemplateOptions Template { get; init; } = ChatTemplateOptions.NoSystemPrompt;

    /// <summary>Decoded images kept in memory across batches, in bytes.</summary>
    public long ImageCacheBytes { get; init; } = 256L << 20;

    /// <summary>Marks a smoke run with tiny sizes (recorded in summary.json as "quick").</summary>
    public bool SmokeRun { get; init; }

    /// <summary>
    /// The GRPO schedule of an RL run: PTST (<see cref="GrpoOptions.Schedule"/>) for "vision_r1" and the ablation stages; for "zero" (RL from the base
    /// with the soft reward) one stage with PTST's first cap and group; for "long" one stage with the first cap doubled and the
    /// group halved (at least 2); each variant as many steps as the whole PTST schedule (paper Table 3).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown run, or a PTST stage bounded by prompts only.</exception>
    public PtstSchedule ScheduleOf(string run)
    {
        var ptst = Grpo.Schedule;
        if (run == RecipeStages.VisionR1 || RecipeStages.IsAblation(run, out _)) return ptst;
        var first = ptst.Stages[0];
        int steps = ptst.TotalSteps ?? throw new ArgumentException("The variants need a PTST schedule bounded by steps.", nameof(run));
        return run switch
        {
            RecipeStages.Zero => new([new PtstStage(first.MaxCompletionLength, first.GroupSize, steps, Name: "zero")]),
            RecipeStages.Long => new([new PtstStage(first.MaxCompletionLength * 2, Math.Max(2, first.GroupSize / 2), steps, Name: "long")]),
            _ => throw new ArgumentException($"'{run}' is not an RL run of the recipe (vision_r1, zero or long).", nameof(run)),
        };
    }

    /// <summary>
    /// The GRPO trainer's options of an RL run: <see cref="Grpo"/> with that run's schedule (<see cref="ScheduleOf"/>) and seed
    /// <see cref="Seed"/> + 2; an ablation stage (<see cref="RecipeStages.Ablation"/>) also takes its algorithm, which gives the
    /// loss, advantages, dynamic sampling and truncation masking that <see cref="Grpo"/> leaves unset (<see cref="GrpoOptions.Algorithm"/>),
    /// as `vr1 grpo --algorithm` does: settings set explicitly stay (the pipeline's dynamic sampling, for one).
    /// </summary>
    public GrpoOptions GrpoOptionsFor(string run)
    {
        var options = Grpo with { Schedule = ScheduleOf(run), Seed = Seed + 2 };
        return RecipeStages.IsAblation(run, out var algorithm) ? options with { Algorithm = algorithm } : options;
    }

    /// <summary>The ablation stages this run trains (<see cref="Ablation"/> without <see cref="Grpo"/>'s own algorithm), in the order listed.</summary>
    public IReadOnlyList<string> AblationStages() => Ablation.Where(a => a != Grpo.Algorithm).Select(RecipeStages.Ablation).ToList();

    /// <summary>
    /// Throws for settings that cannot run, before any stage does: unknown variants or <see cref="Until"/>, an <see cref="Ablation"/>
    /// with an unknown or repeated algorithm or one that <see cref="Until"/> stops before, negative sizes, and
    /// the stage options' own checks (<see cref="SftOptions.Validate"/>, <see cref="GrpoOptions.Validate"/>, <see cref="LocalEvaluationOptions.Validate"/>).
    /// </summary>
    public void Validate()
    {
        foreach (var v in Variants)
            if (v is not (RecipeStages.VisionR1 or RecipeStages.Zero or RecipeStages.Long))
                throw new ArgumentException($"{nameof(Variants)}: '{v}' is not an RL run of the recipe (vision_r1, zero or long).", nameof(Variants));
        if (Until is not (null or RecipeStages.Base or RecipeStages.Ci or RecipeStages.VisionR1))
            throw new ArgumentException($"{nameof(Until)} must be null, base, ci or vision_r1, got '{Until}'.", nameof(Until));
        foreach (var a in Ablation)
            if (!Enum.IsDefined(a)) throw new ArgumentOutOfRangeException(nameof(Ablation), a, $"{nameof(Ablation)}: unknown algorithm; expected one of {string.Join(", ", GrpoAlgorithmNames.All)}.");
        if (Ablation.Distinct().Count() != Ablation.Count)
            throw new ArgumentException($"{nameof(Ablation)}: an algorithm is listed twice ({string.Join(", ", Ablation.Select(GrpoAlgorithmNames.NameOf))}).", nameof(Ablation));
        if (AblationStages().Count > 0 && Until is RecipeStages.Base or RecipeStages.Ci)
            throw new ArgumentException($"{nameof(Ablation)} trains RL stages from CI, which {nameof(Until)} = {Until} stops before.", nameof(Ablation));
        if (ColdStartItems is < 1) throw new ArgumentOutOfRangeException(nameof(ColdStartItems), ColdStartItems, "The cold start needs at least one problem.");
        if (DirectMaxTokens < 1) throw new ArgumentOutOfRangeException(nameof(DirectMaxTokens), DirectMaxTokens, "A direct answer needs at least one token.");
        ColdStartSft.Validate();
        Grpo.Validate();
        Evaluation.Validate();
        foreach (var v in Variants) ScheduleOf(v);
        foreach (var stage in AblationStages()) GrpoOptionsFor(stage).Validate();
    }
}
