namespace VisionR1.Data.Records;

/// <summary>How a problem's answer is to be read.</summary>
public enum AnswerType
{
    /// <summary>Free-form text or math (compared by the math verifier).</summary>
    Text,
    /// <summary>An integer.</summary>
    Integer,
    /// <summary>A decimal number, given to <see cref="MathProblem.Precision"/> places.</summary>
    Float,
    /// <summary>One of <see cref="MathProblem.Choices"/>.</summary>
    MultipleChoice,
    /// <summary>A list of values.</summary>
    List,
}

/// <summary>An image of a problem: a file path (relative to a data root) or encoded bytes, or both.</summary>
/// <param name="Path">Path of the image file, or null.</param>
/// <param name="Bytes">Encoded image bytes (PNG, JPEG, ...), or null.</param>
public sealed record ImageRef(string? Path, byte[]? Bytes)
{
    /// <summary>A label for error messages.</summary>
    public override string ToString() => Path ?? (Bytes is null ? "(no image)" : $"(embedded image, {Bytes.Length} bytes)");
}

/// <summary>A multimodal math problem, as RL data, benchmarks and the synthetic world produce it.</summary>
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
    IReadOnlyDictionary<string, string>? Metadata = null);
