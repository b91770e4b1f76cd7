using Microsoft.Extensions.AI;
using VisionR1.Data.ColdStart;
using VisionR1.Problems;

namespace VisionR1.Data.Synthetic;

/// <summary>What the synthetic teacher writes for problems, for corpora (e.g. a tokenizer's training text).</summary>
public static class SyntheticTeacherTexts
{
    /// <summary>
    /// The teacher's three replies (pseudo-CoT, description, reasoning) for each of <paramref name="problems"/>, asked
    /// through the same three-step protocol the cold-start construction uses.
    /// </summary>
    public static async Task<List<string>> CollectAsync(IReadOnlyList<MathProblem> problems, SyntheticTeacherOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var texts = new List<string>(problems.Count * 3);
        using var teacher = new SyntheticTeacherChatClient(problems, options);
        foreach (var p in problems)
            foreach (var step in new[] { ColdStartStep.PseudoCot, ColdStartStep.Description, ColdStartStep.Reasoning })
            {
                var chat = new ChatOptions { AdditionalProperties = new() { [ColdStartTags.StepKey] = ColdStartTags.Name(step), [ColdStartTags.ItemIdKey] = p.Id } };
                var reply = await teacher.GetResponseAsync([new ChatMessage(ChatRole.User, p.Question)], chat, cancellationToken).ConfigureAwait(false);
                texts.Add(reply.Text);
            }
        return texts;
    }
}
