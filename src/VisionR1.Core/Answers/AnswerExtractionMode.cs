namespace VisionR1.Answers;

/// <summary>Which rules <see cref="AnswerExtractor.Extract(ExtractionRequest, AnswerExtractionMode)"/> reads an answer by.</summary>
public enum AnswerExtractionMode
{
    /// <summary>
    /// The verifier's rules (answers.md): the answer tag's content, the last <c>\boxed{}</c>, "Final Answer:", "the answer is",
    /// the last LaTeX span, a short bare answer, the last number. Used by rewards, the reply normaliser and <c>vr1 verify</c>.
    /// </summary>
    Default,

    /// <summary>
    /// Only an explicit marker: the last closed answer tag of <see cref="ThinkAnswerFormat.Lenient"/> (a leading "Final Answer:" removed), the last closed
    /// <c>\boxed{}</c>, or the last "answer is"/"answer:" phrase; else the whole response, cleaned of <c>$</c>, bold and a final
    /// period. The CoT filter and DynaMath read answers this way.
    /// </summary>
    Marked,

    /// <summary>
    /// MathVista's official rules (the scorer matches all 14,998 official labels with them): <see cref="Marked"/>, then for
    /// multiple choice an option letter or an option's text, and for integer/float answers a bold number, a "there are N"
    /// count or the last number. Needs the request's choices and answer type.
    /// </summary>
    MathVistaRules,

    /// <summary>The content of the last closed <c>\boxed{}</c>/<c>\fbox{}</c>, or "" (MM-Math's rule).</summary>
    Boxed,
}
