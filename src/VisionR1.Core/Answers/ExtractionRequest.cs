using VisionR1.Problems;

namespace VisionR1.Answers;

/// <summary>What an answer extractor knows about the question a response answers.</summary>
/// <param name="Question">The question (or the full query shown to the model).</param>
/// <param name="Response">The model's raw response.</param>
/// <param name="Choices">Options of a multiple-choice question, or null.</param>
/// <param name="AnswerType">MathVista-style answer type, spelled as <see cref="AnswerTypeNames"/> writes it (<see cref="AnswerTypeNames.Text"/> by default).</param>
/// <param name="IsMultipleChoice">Whether the question is multiple choice.</param>
public sealed record ExtractionRequest(string Question, string Response, IReadOnlyList<string>? Choices = null, string AnswerType = AnswerTypeNames.Text, bool IsMultipleChoice = false);
