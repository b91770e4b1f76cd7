namespace VisionR1.Data.Synthetic;

/// <summary>
/// The request properties the modality-bridging construction pipeline sets on
/// <c>ChatOptions.AdditionalProperties</c>, and the step names it uses.
/// </summary>
public static class ModalityBridgingProtocol
{
    /// <summary>Property naming the step: <see cref="PseudoCot"/>, <see cref="Description"/> or <see cref="Reasoning"/>.</summary>
    public const string StepProperty = "visionr1.step";

    /// <summary>Property holding the <c>MathProblem.Id</c> the request is about.</summary>
    public const string ItemIdProperty = "visionr1.item_id";

    /// <summary>Step 1: image + question + answer → a caption with step-by-step reasoning.</summary>
    public const string PseudoCot = "pseudo_cot";

    /// <summary>Step 2: image + question + Pseudo-CoT → a detailed description of the facts that matter.</summary>
    public const string Description = "description";

    /// <summary>Step 3: description + question (text only) → a long chain of thought with reflection.</summary>
    public const string Reasoning = "reasoning";
}
