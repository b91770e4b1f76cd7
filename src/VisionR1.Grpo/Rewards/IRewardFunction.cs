using VisionR1.Problems;
using VisionR1.Grpo.Policies;

namespace VisionR1.Grpo.Rewards;

/// <summary>One completion to score: the typed item it answers, the text, and the <see cref="RewardContext"/>.</summary>
/// <param name="Prompt">The prompt the completion answers (its <see cref="GrpoPrompt.Problem"/> is the data item).</param>
/// <param name="Completion">The generated text (special tokens dropped).</param>
/// <param name="Context">Length, truncation, step and PTST stage.</param>
public sealed record RewardInput(GrpoPrompt Prompt, string Completion, RewardContext Context)
{
    /// <summary>A completion of a prompt scored outside a trainer (a default context).</summary>
    public RewardInput(GrpoPrompt prompt, string completion) : this(prompt, completion, new RewardContext()) { }

    /// <summary>The data item: question, answer, answer type, choices, precision, images, metadata.</summary>
    public MathProblem Problem => Prompt.Problem;

    /// <summary>The data set's answer (<see cref="MathProblem.Answer"/>).</summary>
    public string GroundTruth => Prompt.Problem.Answer;
}

/// <summary>A reward's verdict on one completion.</summary>
/// <param name="Score">The reward, or null for "no score" (the item is outside this reward's domain).</param>
/// <param name="Components">Named parts of the score (e.g. format, accuracy), logged separately.</param>
public sealed record RewardOutput(double? Score, IReadOnlyDictionary<string, double> Components)
{
    /// <summary>A score with no named components.</summary>
    public RewardOutput(double? score) : this(score, new Dictionary<string, double>()) { }

    /// <summary>Whether the completion's answer is correct, when the reward judged it (the trainer's <c>accuracy</c> metric); else null.</summary>
    public bool? Correct { get; init; }

    /// <summary>Whether the completion has the required layout, when the reward checked it (the trainer's <c>format_rate</c> metric); else null.</summary>
    public bool? FormatOk { get; init; }
}

/// <summary>
/// A reward: a batch of completions in, one output per completion out. Implementations are
/// thread-safe, so a trainer may score a batch in parallel. A plain function becomes one with
/// <see cref="Reward.FromFunction(string, Func{RewardInput, double})"/>.
/// </summary>
public interface IRewardFunction
{
    /// <summary>The name used in metrics.</summary>
    string Name { get; }

    /// <summary>Scores each input; the result has one entry per input, in order.</summary>
    IReadOnlyList<RewardOutput> Score(IReadOnlyList<RewardInput> batch, CancellationToken cancellationToken = default);
}
