using VisionR1.Data.Records;
using VisionR1.Problems;

namespace VisionR1.Data.Readers;

/// <summary>The spellings of <see cref="AnswerType"/> in data files (MathVista's <c>answer_type</c>/<c>question_type</c>).</summary>
public static class AnswerTypeNames
{
    /// <summary>Reads an answer type; a <paramref name="questionType"/> of <c>multi_choice</c> wins over the answer type.</summary>
    public static AnswerType Parse(string? answerType, string? questionType = null)
    {
        if (string.Equals(questionType, "multi_choice", StringComparison.OrdinalIgnoreCase)) return AnswerType.MultipleChoice;
        return answerType?.Trim().ToLowerInvariant() switch
        {
            null or "" or "text" or "str" or "string" => AnswerType.Text,
            "integer" or "int" => AnswerType.Integer,
            "float" or "decimal" => AnswerType.Float,
            "multi_choice" or "multiple_choice" or "choice" => AnswerType.MultipleChoice,
            "list" => AnswerType.List,
            var other => throw new FormatException($"unknown answer_type '{other}'"),
        };
    }

    /// <summary>The file spelling of <paramref name="type"/>.</summary>
    public static string Format(AnswerType type) => type switch
    {
        AnswerType.Integer => "integer",
        AnswerType.Float => "float",
        AnswerType.MultipleChoice => "multi_choice",
        AnswerType.List => "list",
        _ => "text",
    };
}
