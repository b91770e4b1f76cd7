using VisionR1.Inputs;
using VisionR1.Problems;

namespace VisionR1.Data.Records;

/// <summary>
/// One finished cold-start sample of the modality-bridging construction: the typed problem it was built for (question,
/// answer, images, choices, answer type, precision, unit, metadata), the intermediate texts of steps 1 and 2 and the
/// reasoning model's CoT of step 3. The problem travels on to the CoT filter (which judges a multiple-choice answer
/// against its options) and into the filtered chat samples.
/// </summary>
/// <param name="Problem">The problem, as read (the key of the append-only output is its id).</param>
/// <param name="PseudoCot">Step 1: the MLLM's caption plus step-by-step reasoning given the answer.</param>
/// <param name="Description">Step 2: the detailed description written with the Pseudo-CoT's help.</param>
/// <param name="Response">Step 3: the reasoning model's output in the think/answer layout (<see cref="VisionR1.Answers.ThinkAnswerFormat"/>).</param>
/// <param name="InputTokens">Input tokens spent on this sample over the three steps.</param>
/// <param name="OutputTokens">Output tokens spent on this sample over the three steps.</param>
public sealed record ColdStartRecord(
    MathProblem Problem,
    string PseudoCot,
    string Description,
    string Response,
    long InputTokens = 0,
    long OutputTokens = 0)
{
    /// <summary>The problem's id.</summary>
    public string Id => Problem.Id;

    /// <summary>The question.</summary>
    public string Question => Problem.Question;

    /// <summary>The ground-truth answer.</summary>
    public string Answer => Problem.Answer;

    /// <summary>The problem's images (the text CoT is paired back with them).</summary>
    public IReadOnlyList<ImageRef> Images => Problem.Images;

    /// <summary>The record as a chat sample (user: image tokens + question; assistant: the CoT) that keeps the problem.</summary>
    public ChatSample ToChatSample() => new(
        Id,
        [
            ChatTurn.User(string.Concat(Enumerable.Repeat(ChatSample.ImageToken, Images.Count)) + Question),
            ChatTurn.Assistant(Response),
        ],
        Images,
        Problem);
}
