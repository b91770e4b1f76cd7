using VisionR1.Grpo.Training;

namespace VisionR1.Recipe;

/// <summary>
/// The recipe's stage names, which are also their folders under a run's folder (<see cref="StageRunner"/>): the names
/// `vr1 pipeline` uses, so that a run assembled from the packages with the same names is laid out like one of its runs.
/// </summary>
public static class RecipeStages
{
    /// <summary>Synthetic world generation.</summary>
    public const string World = "world";

    /// <summary>Compact tokenizer training.</summary>
    public const string Tokenizer = "tokenizer";

    /// <summary>Pre-training from scratch on captions and direct answers.</summary>
    public const string Base = "base";

    /// <summary>Modality-bridging cold-start construction.</summary>
    public const string ColdStart = "cold_start";

    /// <summary>CoT filtering.</summary>
    public const string Filter = "filter";

    /// <summary>Cold-start SFT.</summary>
    public const string Ci = "ci";

    /// <summary>GRPO with PTST and the hard format result reward.</summary>
    public const string VisionR1 = "vision_r1";

    /// <summary>RL from the base with the soft 1:1 format:result reward.</summary>
    public const string Zero = "zero";

    /// <summary>One long RL stage from CI.</summary>
    public const string Long = "long";

    /// <summary>
    /// The estimator-ablation stage of <paramref name="algorithm"/> (<see cref="RecipeOptions.Ablation"/>): "vision_r1." and the
    /// algorithm's command-line name (<see cref="GrpoAlgorithmNames"/>), e.g. "vision_r1.dapo".
    /// </summary>
    public static string Ablation(GrpoAlgorithm algorithm) => VisionR1 + AblationSeparator + GrpoAlgorithmNames.NameOf(algorithm);

    /// <summary>Whether <paramref name="stage"/> is an estimator-ablation stage (<see cref="Ablation"/>), and of which algorithm.</summary>
    public static bool IsAblation(string? stage, out GrpoAlgorithm algorithm)
    {
        algorithm = GrpoAlgorithm.Grpo;
        const string prefix = VisionR1 + AblationSeparator;
        return stage is not null && stage.StartsWith(prefix, StringComparison.Ordinal)
            && GrpoAlgorithmNames.TryParse(stage[prefix.Length..], out algorithm) && Ablation(algorithm) == stage;
    }

    private const string AblationSeparator = ".";

    /// <summary>The base model asked the bare question (its worked-solution style), next to its direct answers.</summary>
    public const string BaseCot = "base_cot";

    /// <summary>The arithmetic probe of a model.</summary>
    public static string Probe(string model) => "probe_" + model;

    /// <summary>The evaluation stage of a model stage.</summary>
    public static string Eval(string model) => "eval_" + model;

    /// <summary>The folder inside a model stage that holds its final Hugging Face checkpoint (with tokenizer files).</summary>
    public const string ModelFolder = "model";
}
