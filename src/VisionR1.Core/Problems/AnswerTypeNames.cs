namespace VisionR1.Problems;

/// <summary>
/// The one definition of how answer types are spelled in data files and benchmark items (MathVista's
/// <c>answer_type</c>/<c>question_type</c>, DynaMath's <c>answer_type</c>), and their mapping to <see cref="AnswerType"/>.
/// </summary>
public static class AnswerTypeNames
{
    /// <summary>The spelling of <see cref="AnswerType.Text"/> (MathVista's <c>answer_type</c> "text").</summary>
    public const string Text = "text";

    /// <summary>The spelling of <see cref="AnswerType.Integer"/>.</summary>
    public const string Integer = "integer";

    /// <summary>The spelling of <see cref="AnswerType.Float"/>.</summary>
    public const string Float = "float";

    /// <summary>The spelling of <see cref="AnswerType.List"/>.</summary>
    public const string List = "list";

    /// <summary>MathVista's <c>question_type</c> of a multiple-choice item, and the spelling written for <see cref="AnswerType.MultipleChoice"/>.</summary>
    public const string MultiChoice = "multi_choice";

    /// <summary>MathVista's <c>question_type</c> of every other item.</summary>
    public const string FreeForm = "free_form";

    /// <summary>DynaMath's <c>answer_type</c> of a multiple-choice item.</summary>
    public const string MultipleChoiceWords = "multiple choice";

    /// <summary>DynaMath's <c>answer_type</c> of a free-form item (the gold must appear in the answer).</summary>
    public const string FreeFormWords = "free form";

    /// <summary>
    /// Reads an answer type (case and surrounding spaces ignored); a <paramref name="questionType"/> of
    /// <see cref="MultiChoice"/> wins over the answer type.
    /// </summary>
    /// <exception cref="FormatException">The spelling is none of those <see cref="TryParse"/> knows.</exception>
    public static AnswerType Parse(string? answerType, string? questionType = null)
    {
        if (string.Equals(questionType, MultiChoice, StringComparison.OrdinalIgnoreCase)) return AnswerType.MultipleChoice;
        return TryParse(answerType, out var type) ? type : throw new FormatException($"unknown answer_type '{answerType?.Trim().ToLowerInvariant()}'");
    }

    /// <summary>
    /// Reads an answer type, case and surrounding spaces ignored: empty, <see cref="Text"/>, <c>str</c>, <c>string</c>,
    /// <see cref="FreeForm"/> or <see cref="FreeFormWords"/> are text; <see cref="Integer"/> or <c>int</c>; <see cref="Float"/>,
    /// <c>decimal</c>, <c>number</c> or <c>numeric</c>; <see cref="MultiChoice"/>, <c>multiple_choice</c>,
    /// <see cref="MultipleChoiceWords"/> or <c>choice</c>; <see cref="List"/>. False for any other spelling.
    /// </summary>
    public static bool TryParse(string? answerType, out AnswerType type)
    {
        switch (answerType?.Trim().ToLowerInvariant())
        {
            case null or "" or Text or "str" or "string" or FreeForm or FreeFormWords: type = AnswerType.Text; return true;
            case Integer or "int": type = AnswerType.Integer; return true;
            case Float or "decimal" or "number" or "numeric": type = AnswerType.Float; return true;
            case MultiChoice or "multiple_choice" or MultipleChoiceWords or "choice": type = AnswerType.MultipleChoice; return true;
            case List: type = AnswerType.List; return true;
            default: type = AnswerType.Text; return false;
        }
    }

    /// <summary>The file spelling of <paramref name="type"/>.</summary>
    public static string Format(AnswerType type) => type switch
    {
        AnswerType.Integer => Integer,
        AnswerType.Float => Float,
        AnswerType.MultipleChoice => MultiChoice,
        AnswerType.List => List,
        _ => Text,
    };
}
