using VisionR1.Answers;
using VisionR1.Data.Benchmarks;

namespace VisionR1.Tests.Data;

/// <summary>
/// A small stand-in for the project's math verifier in these tests: numeric values within 1e-9, else
/// case-insensitive normalised text.
/// </summary>
internal sealed class SimpleVerifier : IAnswerVerifier
{
    public VerificationResult Verify(string gold, string prediction, AnswerContext? context = null)
    {
        var extracted = RuleBasedAnswerExtractor.FinalAnswerSpan(prediction, out _);
        var g = MathExpression.TryEvaluate(gold);
        var p = MathExpression.TryEvaluate(extracted);
        bool equal = g is { } a && p is { } b ? Math.Abs(a - b) < 1e-9
            : string.Equals(MathExpression.Normalize(gold), MathExpression.Normalize(extracted), StringComparison.OrdinalIgnoreCase);
        return new VerificationResult(equal, extracted);
    }
}
