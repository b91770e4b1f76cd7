using VisionR1.Answers;

namespace VisionR1.Data.Benchmarks;

/// <summary>
/// <see cref="AnswerExtractor"/> as an <see cref="IAnswerExtractor"/>: the rules of one <see cref="AnswerExtractionMode"/>
/// (MathVista's official rules by default), where a scorer can also take a judge model. Deterministic and thread-safe.
/// </summary>
/// <param name="mode">The rules to extract by.</param>
public sealed class RuleBasedAnswerExtractor(AnswerExtractionMode mode = AnswerExtractionMode.MathVistaRules) : IAnswerExtractor
{
    /// <summary>The rules this extractor applies.</summary>
    public AnswerExtractionMode Mode { get; } = mode;

    /// <inheritdoc />
    public ValueTask<string> ExtractAsync(ExtractionRequest request, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(AnswerExtractor.Extract(request, Mode));
}
