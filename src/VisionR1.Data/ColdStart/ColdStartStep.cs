namespace VisionR1.Data.ColdStart;

/// <summary>The three calls of modality bridging, named as the chat requests tag them (<c>visionr1.step</c>).</summary>
public enum ColdStartStep
{
    /// <summary>Step 1: MLLM(image, question, answer) → Pseudo-CoT ("pseudo_cot").</summary>
    PseudoCot,
    /// <summary>Step 2: MLLM(image, question, Pseudo-CoT) → detailed description ("description").</summary>
    Description,
    /// <summary>Step 3: reasoning LLM(description, question, answer, instruction) → CoT ("reasoning").</summary>
    Reasoning,
}

/// <summary>
/// The one set of wire names of modality bridging: the <c>ChatOptions.AdditionalProperties</c> keys the construction
/// pipeline sets on each request, and the step names it writes there. The synthetic teacher and test servers read them.
/// </summary>
public static class ColdStartTags
{
    /// <summary>The <c>ChatOptions.AdditionalProperties</c> key holding the step name (<see cref="Name"/>).</summary>
    public const string StepKey = "visionr1.step";

    /// <summary>The <c>ChatOptions.AdditionalProperties</c> key holding the <c>MathProblem.Id</c> the request is about.</summary>
    public const string ItemIdKey = "visionr1.item_id";

    /// <summary>The <c>ChatOptions.AdditionalProperties</c> key holding the attempt number of a re-asked step (absent on the first request).</summary>
    public const string AttemptKey = "visionr1.attempt";

    /// <summary>The name of <see cref="ColdStartStep.PseudoCot"/>: image + question + answer → a caption with step-by-step reasoning.</summary>
    public const string PseudoCotName = "pseudo_cot";

    /// <summary>The name of <see cref="ColdStartStep.Description"/>: image + question + Pseudo-CoT → a detailed description of the facts that matter.</summary>
    public const string DescriptionName = "description";

    /// <summary>The name of <see cref="ColdStartStep.Reasoning"/>: description + question (text only) → a long chain of thought with reflection.</summary>
    public const string ReasoningName = "reasoning";

    /// <summary>The wire name of <paramref name="step"/>: <see cref="PseudoCotName"/>, <see cref="DescriptionName"/> or <see cref="ReasoningName"/>.</summary>
    public static string Name(ColdStartStep step) => step switch
    {
        ColdStartStep.PseudoCot => PseudoCotName,
        ColdStartStep.Description => DescriptionName,
        _ => ReasoningName,
    };

    /// <summary>The step a wire name names (exact spelling); false for any other text.</summary>
    public static bool TryParse(string? name, out ColdStartStep step)
    {
        switch (name)
        {
            case PseudoCotName: step = ColdStartStep.PseudoCot; return true;
            case DescriptionName: step = ColdStartStep.Description; return true;
            case ReasoningName: step = ColdStartStep.Reasoning; return true;
            default: step = default; return false;
        }
    }
}
