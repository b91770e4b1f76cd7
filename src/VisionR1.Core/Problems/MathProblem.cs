using System.Text;

namespace VisionR1.Problems;

/// <summary>
/// A multimodal math problem, as RL data, benchmarks and the synthetic world produce it: the one typed item that
/// flows from the readers (JSONL, Hugging Face Parquet) through cold-start construction, filtering, SFT, GRPO
/// (rewards receive it) and scoring. Images travel as references.
/// </summary>
/// <param name="Id">A stable identifier (unique within its data set).</param>
/// <param name="Images">The images the question refers to, in order.</param>
/// <param name="Question">The question text (without image placeholders).</param>
/// <param name="Answer">The ground-truth answer (for multiple choice: the option text, or a letter where the source gives letters).</param>
/// <param name="Choices">Options of a multiple-choice question, or null.</param>
/// <param name="AnswerType">How the answer is read.</param>
/// <param name="Precision">Decimal places of a float answer, or null.</param>
/// <param name="Unit">Unit of the answer, or null.</param>
/// <param name="Metadata">Any further fields (source, category, scene facts, ...).</param>
public sealed record MathProblem(
    string Id,
    IReadOnlyList<ImageRef> Images,
    string Question,
    string Answer,
    IReadOnlyList<string>? Choices = null,
    AnswerType AnswerType = AnswerType.Text,
    int? Precision = null,
    string? Unit = null,
    IReadOnlyDictionary<string, string>? Metadata = null)
{
    /// <summary>
    /// The question as the model is asked it: the source's own prompt when its metadata has a <c>query</c>
    /// (MathVista publishes one), else the question followed by lettered choices ("Choices:\n(A) …") when it has them.
    /// </summary>
    public string PromptText()
    {
        if (Metadata?.GetValueOrDefault("query") is { Length: > 0 } query) return query;
        var sb = new StringBuilder(Question);
        if (Choices is { Count: > 0 } choices)
        {
            sb.Append("\nChoices:");
            for (int i = 0; i < choices.Count; i++) sb.Append('\n').Append('(').Append((char)('A' + i)).Append(") ").Append(choices[i]);
        }
        return sb.ToString();
    }

    /// <summary>A text-only problem (no images): a question and its answer.</summary>
    public static MathProblem TextOnly(string id, string question, string answer) => new(id, [], question, answer);
}
