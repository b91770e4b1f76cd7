using VisionR1.Data.Evaluation;
using VisionR1.Problems;

namespace VisionR1.Data.Synthetic;

/// <summary>
/// The prompts of the synthetic experiments' conversations (base pre-training with <see cref="SyntheticPretraining"/>, cold
/// start, GRPO and evaluation in `vr1 pipeline`). Every conversation is one user turn (the image, then text) and, for
/// training, one assistant turn; no system prompt anywhere (Vision-R1 trains RL without one, and a small model gains nothing
/// from a constant prefix).
/// </summary>
public static class SyntheticPrompts
{
    /// <summary>The caption request of base pre-training.</summary>
    public const string Describe = "Describe the image.";

    /// <summary>Appended to a question when a direct short answer is wanted (base pre-training and the base evaluation).</summary>
    public const string DirectSuffix = "\nAnswer with the final answer only.";

    /// <summary>The question text of a problem (with lettered choices when it has them).</summary>
    public static string Question(MathProblem problem) => Evaluator.Prompt(problem);

    /// <summary>The question asking for a direct answer.</summary>
    public static string Direct(MathProblem problem) => Question(problem) + DirectSuffix;
}
