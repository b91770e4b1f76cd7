using VisionR1.Data.Records;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rollout;
using VisionR1.Inputs;
using ChatTurn = VisionR1.Inputs.ChatTurn;

namespace VisionR1.Trainer.Pipeline;

/// <summary>
/// Encodes GRPO prompts whose <see cref="GrpoPrompt.Source"/> is a <see cref="MathProblem"/>: the problem's images and
/// <see cref="GrpoPrompt.Prompt"/> as one user turn, then the generation prompt. Images are processed per call.
/// </summary>
public sealed class ProblemPromptEncoder(ChatTemplate template, ProblemImages images) : IPromptEncoder
{
    /// <inheritdoc />
    public MultimodalBatch Encode(IReadOnlyList<GrpoPrompt> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var items = prompts.Select(p =>
        {
            var problem = p.Source as MathProblem ?? throw new ArgumentException($"Prompt '{p.Id}' has no MathProblem source.", nameof(prompts));
            return template.Encode(PipelinePrompts.User(images.Load(problem), p.Prompt), addGenerationPrompt: true);
        }).ToList();
        return MultimodalCollator.Collate(items, template.Tokenizer.Special);
    }

    /// <summary>The GRPO prompt of a problem (the answer and choices go to the rewards).</summary>
    public static GrpoPrompt PromptOf(MathProblem problem, string text) =>
        new(problem.Id, text, problem.Answer, problem,
            problem.Choices is { Count: > 0 } c ? new Dictionary<string, object?> { ["choices"] = c } : null);
}
