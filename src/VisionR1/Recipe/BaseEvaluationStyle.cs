namespace VisionR1.Recipe;

/// <summary>How <see cref="VisionR1Recipe"/> evaluates the base model it starts from.</summary>
public enum BaseEvaluationStyle
{
    /// <summary>In the think/answer style of the trained models (an instruct model that can reason), as "base".</summary>
    Reasoning,

    /// <summary>Asked for a short direct answer (<see cref="RecipeOptions.DirectPrompt"/>), as "base": a model pre-trained to answer, not to reason.</summary>
    Direct,

    /// <summary>Both: direct answers as "base" and the think/answer style as "base_cot" (<see cref="RecipeStages.BaseCot"/>).</summary>
    DirectAndReasoning,
}
