using VisionR1.Inputs;
using VisionR1.Problems;

namespace VisionR1.Grpo.Policies;

/// <summary>
/// One RL problem as the rollout sees it: the typed data item (images as references, answer, choices, precision,
/// metadata), and the text the model is asked. Rewards receive it whole.
/// </summary>
/// <param name="Problem">The data item.</param>
/// <param name="Prompt">The text of the user turn, after the images (what rewards see as the prompt).</param>
public sealed record GrpoPrompt(MathProblem Problem, string Prompt)
{
    /// <summary>The prompt of <paramref name="problem"/> asked as its <see cref="MathProblem.PromptText"/> (question and lettered choices).</summary>
    public GrpoPrompt(MathProblem problem) : this(problem, (problem ?? throw new ArgumentNullException(nameof(problem))).PromptText()) { }

    /// <summary>A text-only prompt: <paramref name="prompt"/> with the answer <paramref name="groundTruth"/>.</summary>
    public GrpoPrompt(string id, string prompt, string groundTruth) : this(MathProblem.TextOnly(id, prompt, groundTruth), prompt) { }

    /// <summary>The problem's identifier (for logs).</summary>
    public string Id => Problem.Id;

    /// <summary>The answer rewards compare with.</summary>
    public string GroundTruth => Problem.Answer;

    /// <summary>The conversation to encode: one user turn with the images (unloaded) then <see cref="Prompt"/>.</summary>
    public IReadOnlyList<ChatTurn> Conversation() => ProblemTurns.User(Problem, Prompt);

    /// <summary>The prompts of <paramref name="problems"/>, each asked as its <see cref="MathProblem.PromptText"/>.</summary>
    public static IReadOnlyList<GrpoPrompt> From(IEnumerable<MathProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return problems.Select(p => new GrpoPrompt(p)).ToList();
    }
}
