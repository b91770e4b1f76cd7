namespace VisionR1.Answers;

/// <summary>Settings of <see cref="MathVerifier"/>. Defaults follow the verifiers summarised in answers.md.</summary>
/// <param name="DecimalAbsoluteTolerance">When either side is written as a decimal, values this close are equal; 1e-6 mirrors Math-Verify's rounding to 6 decimal places.</param>
/// <param name="DecimalRelativeTolerance">Relative tolerance when a decimal is involved; 1e-9 only absorbs double rounding for large values. Set 1e-4 for Qwen2.5-Math's grader behaviour.</param>
/// <param name="MaxSteps">The deterministic work budget of one comparison (tokens lexed, nodes parsed and evaluated); past it the pair is "not equal" with reason "budget". 200,000 steps is a few milliseconds.</param>
/// <param name="MaxAnswerLength">Longest extracted answer (characters) that is parsed as math; longer answers are compared as text only.</param>
/// <param name="MaxResponseLength">Longest response scanned for its answer; only the last this-many characters of a longer response are read.</param>
/// <param name="AnswerTag">The name of the tag whose content is the answer (<see cref="ThinkAnswerFormat.DefaultAnswerTag"/>, Vision-R1's format).</param>
public sealed record MathVerifierOptions(
    double DecimalAbsoluteTolerance = 1e-6,
    double DecimalRelativeTolerance = 1e-9,
    int MaxSteps = 200_000,
    int MaxAnswerLength = 2_000,
    int MaxResponseLength = 200_000,
    string AnswerTag = ThinkAnswerFormat.DefaultAnswerTag);
