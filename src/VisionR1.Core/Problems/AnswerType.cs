namespace VisionR1.Problems;

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
