using VisionR1.Answers;

namespace VisionR1.Data.Benchmarks;

/// <summary>
/// Pulls the short final answer out of a model's raw response: by rules (<see cref="RuleBasedAnswerExtractor"/>, one of
/// <see cref="AnswerExtractor"/>'s modes) or by a judge model (<see cref="ChatJudgeAnswerExtractor"/>).
/// </summary>
public interface IAnswerExtractor
{
    /// <summary>The extracted answer ("" when none is found).</summary>
    ValueTask<string> ExtractAsync(ExtractionRequest request, CancellationToken cancellationToken = default);
}
