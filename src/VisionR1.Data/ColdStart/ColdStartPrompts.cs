using VisionR1.Answers;

namespace VisionR1.Data.ColdStart;

/// <summary>
/// Prompt templates of the three steps. Placeholders: <c>{question}</c>, <c>{answer}</c>, <c>{pseudo_cot}</c>,
/// <c>{description}</c>, <c>{instruction}</c>. The paper publishes no prompts; the defaults are our wording of its
/// description (Vision-R1 §3.1: step 1 asks for a caption plus reasoning given the answer, step 2 for a description
/// "containing all the necessary details of the image to answer the question correctly", step 3 for a CoT that
/// follows the description with the instruction quoted below).
/// </summary>
/// <param name="PseudoCot">Step 1 text, sent with the image(s).</param>
/// <param name="Description">Step 2 text, sent with the image(s).</param>
/// <param name="Reasoning">Step 3 text, sent alone to the reasoning model.</param>
/// <param name="Instruction">The instruction quoted in step 3 (the paper's example wording).</param>
public sealed record ColdStartPrompts(
    string PseudoCot =
        "Look at the image and the question below. The correct answer is given.\n"
        + "Question: {question}\nCorrect answer: {answer}\n\n"
        + "First write a short caption of the image. Then explain, step by step, how the answer follows from what the image shows.",
    string Description =
        "Look at the image and the question below, together with a step-by-step reasoning that another assistant wrote for it.\n"
        + "Question: {question}\nReasoning: {pseudo_cot}\n\n"
        + "Write a detailed description of the image that contains all the details of the image needed to answer the question correctly "
        + "(every value, label, length, angle and relation the reasoning relies on). Describe what the image shows; do not solve the question.",
    string Reasoning =
        "Image description: {description}\n\n{instruction}\nQuestion: {question}\n\n"
        + "(For checking only: the correct answer is {answer}. Reach it by your own reasoning and never mention that it was given.)\n"
        + $"Think inside {ThinkAnswerFormat.DefaultThinkOpen}{ThinkAnswerFormat.DefaultThinkClose}, then give the final answer inside {ThinkAnswerFormat.DefaultAnswerOpen}{ThinkAnswerFormat.DefaultAnswerClose}.",
    string Instruction = "Following the above image description, think step by step and answer the following question directly.")
{
    /// <summary>Fills a template.</summary>
    public static string Fill(string template, string question, string answer, string pseudoCot = "", string description = "", string instruction = "")
    {
        ArgumentNullException.ThrowIfNull(template);
        return template.Replace("{question}", question, StringComparison.Ordinal)
            .Replace("{answer}", answer, StringComparison.Ordinal)
            .Replace("{pseudo_cot}", pseudoCot, StringComparison.Ordinal)
            .Replace("{description}", description, StringComparison.Ordinal)
            .Replace("{instruction}", instruction, StringComparison.Ordinal);
    }
}
