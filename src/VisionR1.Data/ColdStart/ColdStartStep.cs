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

/// <summary>Wire names of the steps and of the request tags the synthetic teacher and test servers read.</summary>
public static class ColdStartTags
{
    /// <summary>The <c>ChatOptions.AdditionalProperties</c> key holding the step name.</summary>
    public const string StepKey = "visionr1.step";

    /// <summary>The <c>ChatOptions.AdditionalProperties</c> key holding the problem id.</summary>
    public const string ItemIdKey = "visionr1.item_id";

    /// <summary>The <c>ChatOptions.AdditionalProperties</c> key holding the attempt number of a re-asked step (absent on the first request).</summary>
    public const string AttemptKey = "visionr1.attempt";

    /// <summary>"pseudo_cot", "description" or "reasoning".</summary>
    public static string Name(ColdStartStep step) => step switch
    {
        ColdStartStep.PseudoCot => "pseudo_cot",
        ColdStartStep.Description => "description",
        _ => "reasoning",
    };
}
